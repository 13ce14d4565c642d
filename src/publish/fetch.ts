/**
 * `pg-bundle fetch`: the consumer side. Reads a pin file, downloads the pinned bundle asset,
 * checks its sha256 against the pin, checks every file in it against the manifest it carries
 * (and the manifest against the pin), then unpacks it into a pg_distrib_dir-shaped directory
 * (<out>/vNN/..., <out>/manifest.json). Nothing is written to <out> before all checks pass.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { compareFiles, FileEntry, Manifest } from '../core/manifest';
import { parseManifest } from '../core/manifest-file';
import { createGitHubClient } from '../github/client';
import { apiCall } from '../github/errors';
import { parseReleaseDownloadUrl } from '../github/repository';
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
import { parsePin, PinFile } from '../pin-bump/pin-file';
import { UserError } from '../util/errors';
import { sha256 } from '../util/hash';
import { Logger } from '../util/logger';
import { MANIFEST_ASSET } from './naming';
import { readTar, UnpackedEntry } from './tarball';
import { zstdDecompress } from './zstd';

export interface FetchOptions {
  pinPath: string;
  outDir: string;
  token?: string;
  apiUrl?: string;
  log: Logger;
  retry?: RetryPolicy;
}

/** One GET of a download URL; a refusal that waiting cannot fix is a UserError. */
async function downloadOnce(url: string, token: string | undefined): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `token ${token}` } : {}, redirect: 'follow' });
  } catch (err) {
    throw new HttpFailureError(500, (err as Error).message);
  }
  if (res.ok) return Buffer.from(await res.arrayBuffer());
  const headers = Object.fromEntries(res.headers.entries());
  const refused = res.status === 404 || res.status === 401 || res.status === 403;
  if (refused && !headers['retry-after'] && headers['x-ratelimit-remaining'] !== '0')
    throw new UserError(
      `downloading ${url} failed: ${res.status} ${res.statusText}`,
      'for a private release repository give a token that can read it (--token or GITHUB_TOKEN), and check the pin',
    );
  throw new HttpFailureError(res.status, res.statusText, { headers });
}

/** The asset by its URL (file:// or http(s)), retrying transient failures. */
async function downloadUrl(
  url: string,
  token: string | undefined,
  log: Logger,
  policy: RetryPolicy,
): Promise<Buffer> {
  if (url.startsWith('file://')) return readFileSync(new URL(url));
  if (!/^https?:\/\//.test(url))
    throw new UserError(
      `cannot download ${url}: only http(s) and file URLs are supported`,
      'check the pin file',
    );
  try {
    return await withRetries(
      () => downloadOnce(url, token),
      (err, attempt) =>
        err instanceof UserError ? NO_RETRY : retryDecision(err as HttpFailure, attempt, policy, Date.now()),
      (decision, attempt) =>
        log.warn(retryMessage(`downloading ${url}`, decision, attempt, policy.maxRetries)),
    );
  } catch (err) {
    if (err instanceof UserError) throw err;
    const failure = err as HttpFailure;
    throw new UserError(
      `downloading ${url} failed: ${failure.status} ${failure.message}`,
      'check the network and the pin file; run fetch again',
    );
  }
}

/** Through the API (works for private repositories): release by tag → asset by name → download. */
async function downloadWithApi(
  pin: PinFile,
  token: string,
  options: FetchOptions,
): Promise<Buffer | undefined> {
  const where = parseReleaseDownloadUrl(pin.assetUrl);
  if (!where) return undefined;
  const octokit = createGitHubClient({
    token,
    apiUrl: options.apiUrl,
    log: options.log,
    retry: options.retry,
  });
  const { owner, repo, tag } = where;
  const repository = `${owner}/${repo}`;
  const { assetName } = pin;
  return apiCall(`downloading ${assetName} of release ${tag}`, repository, 'contents: read', async () => {
    const { data: release } = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag });
    const asset = release.assets.find((a) => a.name === assetName);
    if (!asset)
      throw new UserError(
        `release ${tag} in ${repository} has no asset ${assetName}`,
        'check the pin file (was the release published completely?)',
      );
    const { data } = await octokit.rest.repos.getReleaseAsset({
      owner,
      repo,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    });
    return Buffer.from(data as unknown as ArrayBuffer);
  });
}

async function downloadPinned(pin: PinFile, options: FetchOptions): Promise<Buffer> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const viaApi = options.token ? await downloadWithApi(pin, options.token, options) : undefined;
  return viaApi ?? (await downloadUrl(pin.assetUrl, options.token, options.log, policy));
}

function fileEntriesOf(entries: UnpackedEntry[]): FileEntry[] {
  return entries
    .filter((e) => e.type === 'file' && e.path !== MANIFEST_ASSET)
    .map((e) => ({
      path: e.path,
      sha256: sha256(e.data as Buffer),
      size: (e.data as Buffer).length,
      mode: e.mode & 0o111 ? '0755' : '0644',
    }));
}

/** What the pin says that the bundle's manifest contradicts (pure). */
function pinMismatches(manifest: Manifest, pin: PinFile): string[] {
  const problems: string[] = [];
  for (const [major, v] of Object.entries(pin.versions)) {
    const m = manifest.versions[major];
    if (!m) problems.push(`the pin lists PostgreSQL ${major} but the bundle does not contain it`);
    else if (v.postgresVersion !== m.postgres.version)
      problems.push(
        `v${major}: the pin says PostgreSQL ${v.postgresVersion}, the bundle has ${m.postgres.version}`,
      );
  }
  return problems;
}

/** Archive entries outside the manifest's vNN/ directories, or symlinks leaving them (pure). */
function pathProblems(entries: UnpackedEntry[], manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    const top = e.path.split('/')[0];
    if (e.path !== MANIFEST_ASSET && !(/^v\d+$/.test(top) && manifest.versions[top.slice(1)]))
      problems.push(`${e.path} is outside the versions the manifest lists`);
    if (e.type === 'symlink') {
      const target = posix.normalize(posix.join(posix.dirname(e.path), e.linkname ?? ''));
      if (!e.linkname || e.linkname.startsWith('/') || !(target === top || target.startsWith(`${top}/`)))
        problems.push(`${e.path} is a symlink leaving ${top}/ (${e.linkname})`);
    }
  }
  return problems;
}

/** Checks an unpacked archive against its manifest and the pin (pure). Returns the manifest. */
export function checkArchive(entries: UnpackedEntry[], pin: PinFile): Manifest {
  const manifestEntry = entries.find((e) => e.path === MANIFEST_ASSET && e.type === 'file');
  if (!manifestEntry?.data)
    throw new UserError(
      'the bundle has no manifest.json',
      'the asset was not written by pg-bundle publish; check the pin',
    );
  const manifest = parseManifest(manifestEntry.data.toString('utf8'), "the bundle's manifest.json");
  const diffs = compareFiles(
    Object.values(manifest.versions).flatMap((v) => v.files),
    fileEntriesOf(entries),
  );
  const problems = [
    ...pinMismatches(manifest, pin),
    ...pathProblems(entries, manifest),
    ...diffs.map((d) => `${d.path}: ${d.problem} (${d.detail})`),
  ];
  if (problems.length) {
    const shown = problems.slice(0, 10).join('\n  ');
    throw new UserError(
      `the bundle does not match its manifest or the pin (${problems.length} problem(s)):\n  ${shown}`,
      'do not use this bundle; re-publish the release or pin another one',
    );
  }
  return manifest;
}

function writeEntries(entries: UnpackedEntry[], root: string): void {
  const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const e of sorted) {
    const target = join(root, e.path);
    if (e.type === 'directory') mkdirSync(target, { recursive: true, mode: 0o755 });
    else if (e.type === 'symlink') {
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(e.linkname as string, target);
    } else {
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, e.data as Buffer);
      chmodSync(target, e.mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

export interface FetchResult {
  dir: string;
  tag: string;
  versions: string[];
  sha256: string;
}

function readPinFile(path: string): PinFile {
  if (!existsSync(path))
    throw new UserError(`pin file ${path} does not exist`, 'pass --pin-file <path to postgres-bundle.json>');
  return parsePin(readFileSync(path, 'utf8'), path);
}

function checkSha256(data: Buffer, pin: PinFile): string {
  const actual = sha256(data);
  if (actual !== pin.sha256)
    throw new UserError(
      `the downloaded bundle has sha256 ${actual}, the pin requires ${pin.sha256} (${pin.assetUrl})`,
      'do not use it: the asset was replaced or damaged. Re-run pin-bump for the release you want, or re-publish the pinned one',
    );
  return actual;
}

/** Writes the checked entries into a staging directory, then moves each vNN/ and manifest.json into `out`. */
function install(entries: UnpackedEntry[], manifest: Manifest, out: string): string[] {
  mkdirSync(out, { recursive: true });
  const staging = join(out, `.pg-bundle-fetch-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    writeEntries(entries, staging);
    const majors = Object.keys(manifest.versions);
    for (const major of majors) {
      rmSync(join(out, `v${major}`), { recursive: true, force: true });
      renameSync(join(staging, `v${major}`), join(out, `v${major}`));
    }
    renameSync(join(staging, MANIFEST_ASSET), join(out, MANIFEST_ASSET));
    return majors;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export async function fetchBundle(options: FetchOptions): Promise<FetchResult> {
  const pin = readPinFile(resolve(options.pinPath));
  const data = await options.log.step(`downloading ${pin.assetUrl}`, () => downloadPinned(pin, options));
  const actual = checkSha256(data, pin);
  const entries = await readTar(await zstdDecompress(data, pin.assetUrl));
  const manifest = checkArchive(entries, pin);
  const out = resolve(options.outDir);
  const majors = install(entries, manifest, out);
  const versions = majors.map((m) => manifest.versions[m].postgres.version).join(', ');
  options.log.info(`unpacked ${pin.tag} (PostgreSQL ${versions}) into ${out}`);
  return { dir: out, tag: pin.tag, versions: majors, sha256: actual };
}
