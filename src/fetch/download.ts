/**
 * Downloading the pinned asset: through the API when a token may go there (private repositories),
 * else by its URL (file://, or http(s) with each redirect checked on its own), retrying transient
 * failures and never reading more than the pin allows.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deadlinesOf, fetchWithDeadlines } from '../github/deadlines';
import { connectionFailure } from '../github/errors';
import {
  DEFAULT_RETRY,
  HttpFailure,
  HttpFailureError,
  NO_RETRY,
  retryDecision,
  retryMessage,
  RetryPolicy,
  withRetries,
} from '../github/retry';
import { errorMessage, UserError } from '../util/errors';
import { apiTakesToken, DownloadAccess, tokenMayGoTo } from './access';
import { maxAssetBytes } from './checks';
import { PlatformPin } from './platform';
import { downloadPinnedAsset } from './release-assets';

/** The pinned asset, at most as large as the pin allows. */
export async function downloadPinned(pin: PlatformPin, access: DownloadAccess): Promise<Buffer> {
  const policy = access.retry ?? DEFAULT_RETRY;
  const maxBytes = maxAssetBytes(pin);
  const viaApi =
    access.token && apiTakesToken(access.apiUrl)
      ? await downloadPinnedAsset(pin, access.token, access, maxBytes)
      : undefined;
  return viaApi ?? (await downloadUrl(pin.assetUrl, access, policy, maxBytes));
}

const MAX_REDIRECTS = 10;

/**
 * One GET of a download URL, following redirects by hand so that each hop is checked on its own
 * (the token never follows a redirect to another host); at most `maxBytes` are read.
 */
async function downloadOnce(url: string, access: DownloadAccess, maxBytes: number): Promise<Buffer> {
  const { token, apiUrl } = access;
  const get = fetchWithDeadlines(fetch, access.deadlines ?? deadlinesOf());
  let at = url;
  for (let hop = 0; ; hop++) {
    const authorised = token !== undefined && tokenMayGoTo(at, apiUrl);
    let res: Response;
    try {
      res = await get(at, {
        headers: authorised ? { authorization: `token ${token}` } : {},
        redirect: 'manual',
      });
    } catch (err) {
      // no answer: undici says only "fetch failed"; its cause names what failed
      throw new HttpFailureError(500, connectionFailure(err) ?? (err as Error).message);
    }
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      if (hop >= MAX_REDIRECTS)
        throw new UserError(`downloading ${url} failed: too many redirects`, 'check the pin file');
      at = new URL(location, at).toString();
      if (!/^https?:$/.test(new URL(at).protocol))
        throw new UserError(`downloading ${url} redirected to ${at}`, 'check the pin file');
      continue;
    }
    if (res.ok) {
      try {
        return await readBounded(res, url, maxBytes);
      } catch (err) {
        if (err instanceof UserError) throw err;
        // a missed deadline or a dropped connection while reading: retried like one before the answer
        throw new HttpFailureError(500, errorMessage(err));
      }
    }
    await res.body?.cancel();
    const headers = Object.fromEntries(res.headers.entries());
    const refused = res.status === 404 || res.status === 401 || res.status === 403;
    if (refused && !headers['retry-after'] && headers['x-ratelimit-remaining'] !== '0')
      throw new UserError(
        `downloading ${url} failed: ${res.status} ${res.statusText}`,
        'for a private release repository give a token that can read it (--token or GITHUB_TOKEN), and check the pin',
      );
    throw new HttpFailureError(res.status, res.statusText, { headers });
  }
}

/** The response body, refused as soon as it grows beyond `maxBytes`. */
async function readBounded(res: Response, url: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new UserError(
        `${url} is larger than the ${maxBytes} bytes the pin allows`,
        'do not use this asset: its size does not match the pinned bundle',
      );
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function readLocalAsset(url: string, maxBytes: number): Buffer {
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (err) {
    throw new UserError(`cannot read ${url}: ${(err as Error).message}`, 'check the pin file');
  }
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    throw new UserError(`the pinned asset ${path} does not exist (${url})`, 'check the pin file');
  }
  if (size > maxBytes)
    throw new UserError(`${url} is larger than the ${maxBytes} bytes the pin allows`, 'check the pin file');
  return readFileSync(path);
}

/** The asset by its URL (file:// or http(s)), retrying transient failures. */
async function downloadUrl(
  url: string,
  access: DownloadAccess,
  policy: RetryPolicy,
  maxBytes: number,
): Promise<Buffer> {
  if (url.startsWith('file://')) return readLocalAsset(url, maxBytes);
  if (!/^https?:\/\//.test(url))
    throw new UserError(
      `cannot download ${url}: only http(s) and file URLs are supported`,
      'check the pin file',
    );
  const { log } = access;
  try {
    return await withRetries(
      () => downloadOnce(url, access, maxBytes),
      (err, attempt) =>
        err instanceof UserError ? NO_RETRY : retryDecision(err as HttpFailure, attempt, policy, Date.now()),
      (decision, attempt) =>
        log.warn(retryMessage(`downloading ${url}`, decision, attempt, policy.maxRetries)),
    );
  } catch (err) {
    if (err instanceof UserError) throw err;
    const failure = err as HttpFailure;
    const answer = failure.response ? `${failure.status} ${failure.message}` : failure.message;
    throw new UserError(
      `downloading ${url} failed: ${answer}`,
      'check the network and the pin file; run fetch again',
    );
  }
}
