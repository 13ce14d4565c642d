/**
 * `pg-bundle fetch`: the consumer side. Reads a pin file, takes its bundle for the machine's platform
 * (or --arch's), downloads that asset,
 * checks its sha256 against the pin, checks every file in it against the manifest it carries
 * (and the manifest against the pin, its platform included), then unpacks it into a pg_distrib_dir-shaped directory
 * (<out>/vNN/..., <out>/manifest.json). Nothing is written to <out> before all checks pass.
 *
 * A release named by repository and tag (rebuild-check) goes the same way, with the pin pin-bump
 * would write for it: its sha256 from the release's SHA256SUMS, its versions from its manifest.json.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  existsSync,
  fchmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar-stream';
import { FileEntry, Manifest, VersionManifest } from '../core/manifest';
import { parseManifest } from '../core/manifest-file';
import { createGitHubClient, GitHubClient } from '../github/client';
import { Deadlines, deadlinesOf, fetchWithDeadlines } from '../github/deadlines';
import { apiCall, connectionFailure } from '../github/errors';
import { parseReleaseDownloadUrl, parseRepository, RepositoryName } from '../github/repository';
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
import { archOption } from '../core/platform';
import { parsePin, PinFile, pinFromManifest, postgresVersionPattern } from '../pin-bump/pin-file';
import { parseSha256Sums } from '../pin-bump/release-info';
import { pinnedWalRedo, unmetRequirements } from '../pin-bump/walredo-dialect';
import { errorMessage, UserError } from '../util/errors';
import { sha256 } from '../util/hash';
import { DirLockTiming, withDirLock } from '../util/dir-lock';
import { shown } from '../util/log-text';
import { Logger } from '../util/logger';
import { PlatformPin, platformPin } from './fetch-platform';
import { bundleAssetName, MANIFEST_ASSET, platformManifestName, SHA256SUMS_ASSET } from './naming';
import { OutSwap, SwapStep } from './out-swap';
import { safeArchivePath } from './tarball';
import { zstdDecompressStream } from './zstd';

/** Where fetch unpacks, and how it reaches GitHub. */
export interface FetchTarget {
  outDir: string;
  token?: string;
  apiUrl?: string;
  log: Logger;
  retry?: RetryPolicy;
  /** deadlines of every API call and download (default: deadlinesOf(), 60 s to answer or go on) */
  deadlines?: Deadlines;
  /** how long a second fetch into the same --out waits for the first (default DEFAULT_DIR_LOCK_TIMING) */
  lockTiming?: DirLockTiming;
  /** Test hook: called between the renames of the swap (a throw there is an interruption). */
  faults?: (step: SwapStep) => void;
  /** the platform whose bundle to fetch, as --arch takes it (default: the machine's) */
  arch?: string;
}

export interface FetchOptions extends FetchTarget {
  pinPath: string;
}

/** A release named by its repository (owner/name) and tag, instead of a pin file. */
export interface ReleaseFetchOptions extends FetchTarget {
  repository: string;
  tag: string;
}

/** Who vouches for the sha256 the download must have (named in the mismatch error), and the fix. */
interface Voucher {
  /** e.g. "the pin requires" */
  requires: string;
  fix: string;
}

const PIN_VOUCHER: Voucher = {
  requires: 'the pin requires',
  fix: 'do not use it: the asset was replaced or damaged. Re-run pin-bump for the release you want, or re-publish the pinned one',
};

function sumsVoucher(tag: string, repository: string): Voucher {
  return {
    requires: `SHA256SUMS of release ${tag} in ${repository} lists`,
    fix: 'do not use it: the asset was replaced or damaged after publishing. Re-publish the release (publish --replace)',
  };
}

/** GitHub's own download hosts: a release download redirects from github.com to one of the others. */
const GITHUB_DOWNLOAD_HOSTS = new Set([
  'github.com',
  'objects.githubusercontent.com',
  'release-assets.githubusercontent.com',
]);

/**
 * Whether the token may be sent to `url` (pure): only over https, only to GitHub's download hosts or
 * to the origin of the configured API URL (GitHub Enterprise Server), never with user info in the URL.
 */
export function tokenMayGoTo(url: string, apiUrl: string | undefined): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  if (GITHUB_DOWNLOAD_HOSTS.has(u.hostname) && u.port === '') return true;
  if (!apiUrl) return false;
  try {
    const api = new URL(apiUrl);
    return api.protocol === 'https:' && api.origin === u.origin;
  } catch {
    return false;
  }
}

/**
 * Whether the API may be sent the token: https (GitHub, GitHub Enterprise Server), or plain http to
 * this machine only (a local test server), never plain http elsewhere.
 */
export function apiTakesToken(apiUrl: string | undefined): boolean {
  if (apiUrl === undefined) return true; // api.github.com
  try {
    const u = new URL(apiUrl);
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
  } catch {
    return false;
  }
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const MAX_REDIRECTS = 10;

/**
 * One GET of a download URL, following redirects by hand so that each hop is checked on its own
 * (the token never follows a redirect to another host); at most `maxBytes` are read.
 */
async function downloadOnce(url: string, options: FetchTarget, maxBytes: number): Promise<Buffer> {
  const { token, apiUrl } = options;
  const get = fetchWithDeadlines(fetch, options.deadlines ?? deadlinesOf());
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
  options: FetchTarget,
  policy: RetryPolicy,
  maxBytes: number,
): Promise<Buffer> {
  if (url.startsWith('file://')) return readLocalAsset(url, maxBytes);
  if (!/^https?:\/\//.test(url))
    throw new UserError(
      `cannot download ${url}: only http(s) and file URLs are supported`,
      'check the pin file',
    );
  const { log } = options;
  try {
    return await withRetries(
      () => downloadOnce(url, options, maxBytes),
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

/** A release, and what named it (in the fix of a "not found": the pin's assetUrl, or --repository and --tag) */
type ReleaseRef = RepositoryName & { tag: string; namedBy: string };
type Release = Awaited<ReturnType<GitHubClient['rest']['repos']['getReleaseByTag']>>['data'];
type ReleaseAsset = Release['assets'][number];

const repositoryOf = (ref: ReleaseRef) => `${ref.owner}/${ref.repo}`;

/** The published release with this tag (GitHub never returns drafts by tag). */
async function releaseByTag(octokit: GitHubClient, ref: ReleaseRef): Promise<Release> {
  const { owner, repo, tag } = ref;
  return apiCall(
    `reading release ${tag}`,
    repositoryOf(ref),
    'contents: read',
    async () => {
      const { data } = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag });
      return data;
    },
    ref.namedBy,
  );
}

/** The release's asset of that name; `fix` says what to check when it has none. */
function assetNamed(release: Release, ref: ReleaseRef, name: string, fix: string): ReleaseAsset {
  const asset = release.assets.find((a) => a.name === name);
  if (!asset)
    throw new UserError(`release ${ref.tag} in ${repositoryOf(ref)} has no asset ${shown(name)}`, fix);
  return asset;
}

/** An asset's content through the API, refused before the download when GitHub reports it larger than `maxBytes`. */
async function downloadReleaseAsset(
  octokit: GitHubClient,
  ref: ReleaseRef,
  asset: ReleaseAsset,
  maxBytes: number,
  limit = 'the pin allows',
): Promise<Buffer> {
  const { owner, repo, tag } = ref;
  if (asset.size > maxBytes)
    throw new UserError(
      `asset ${asset.name} of release ${tag} has ${asset.size} bytes, more than the ${maxBytes} bytes ${limit}`,
      'do not use this asset: its size does not match the pinned bundle',
    );
  return apiCall(
    `downloading ${asset.name} of release ${tag}`,
    repositoryOf(ref),
    'contents: read',
    async () => {
      const { data } = await octokit.rest.repos.getReleaseAsset({
        owner,
        repo,
        asset_id: asset.id,
        headers: { accept: 'application/octet-stream' },
      });
      return Buffer.from(data as unknown as ArrayBuffer);
    },
    ref.namedBy,
  );
}

/** The API client of a fetch (its API URL, log and retry policy), with or without a token. */
function apiClient(token: string | undefined, options: FetchTarget) {
  return createGitHubClient({
    token,
    apiUrl: options.apiUrl,
    log: options.log,
    retry: options.retry,
    deadlines: options.deadlines ?? deadlinesOf(),
  });
}

/** Through the API (works for private repositories): release by tag → asset by name → download. */
async function downloadWithApi(
  pin: PlatformPin,
  token: string,
  options: FetchTarget,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const found = parseReleaseDownloadUrl(pin.assetUrl);
  if (!found) return undefined;
  const where = { ...found, namedBy: "the pin file's assetUrl (and that the release was published)" };
  const octokit = apiClient(token, options);
  const release = await releaseByTag(octokit, where);
  const asset = assetNamed(
    release,
    where,
    pin.assetName,
    'check the pin file (was the release published completely?)',
  );
  return downloadReleaseAsset(octokit, where, asset, maxBytes);
}

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/**
 * Room for manifest.json, tar headers and padding beyond the files the pin declares (a bundle of
 * five versions has about 3,500 entries: under 4 MiB of headers and padding). It bounds, with the
 * declared sizes, how much a decompression bomb can make fetch hold before it is stopped.
 */
const TAR_OVERHEAD = MAX_MANIFEST_BYTES + 8 * 1024 * 1024;

/** The largest uncompressed archive the pin allows: its versions' file sizes plus tar overhead. */
function maxArchiveBytes(pin: PlatformPin): number {
  return Object.values(pin.versions).reduce((sum, v) => sum + v.bundleSize, 0) + TAR_OVERHEAD;
}

/** The largest asset the pin allows: zstd never grows incompressible data by more than a few bytes per 128 KiB block. */
function maxAssetBytes(pin: PlatformPin): number {
  return Math.ceil(maxArchiveBytes(pin) * 1.01) + 1024 * 1024;
}

async function downloadPinned(pin: PlatformPin, options: FetchTarget): Promise<Buffer> {
  const policy = options.retry ?? DEFAULT_RETRY;
  const maxBytes = maxAssetBytes(pin);
  const viaApi =
    options.token && apiTakesToken(options.apiUrl)
      ? await downloadWithApi(pin, options.token, options, maxBytes)
      : undefined;
  return viaApi ?? (await downloadUrl(pin.assetUrl, options, policy, maxBytes));
}

/** What the pin says that the bundle's manifest contradicts (pure). */
function pinMismatches(manifest: Manifest, pin: PlatformPin): string[] {
  const problems: string[] = [];
  // an x86-64 bundle behind an aarch64 asset name (or the reverse) would not even start
  if (manifest.platform !== pin.platform)
    problems.push(
      `the bundle is built for ${shown(String(manifest.platform))}, the pin's ${pin.platform} asset must hold a ${pin.platform} bundle`,
    );
  for (const [major, v] of Object.entries(pin.versions)) {
    const m = manifest.versions[major];
    if (!m) problems.push(`the pin lists PostgreSQL ${major} but the bundle does not contain it`);
    else if (v.postgresVersion !== m.postgres.version)
      problems.push(
        `v${major}: the pin says PostgreSQL ${v.postgresVersion}, the bundle has ${shown(m.postgres.version)}`,
      );
  }
  // only what the pin lists is installed: a major it does not name was never reviewed
  for (const major of Object.keys(manifest.versions))
    if (!pin.versions[major])
      problems.push(`the bundle contains PostgreSQL ${shown(major)}, which the pin does not list`);
  return problems;
}

const VERSION_KEY = /^[1-9][0-9]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Shape problems of a manifest fetch relies on: version keys, file entries (pure). */
function manifestShapeProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const [key, v] of Object.entries(manifest.versions)) {
    if (!VERSION_KEY.test(key)) {
      problems.push(`version key ${shown(JSON.stringify(key))} is not a major version number`);
      continue;
    }
    const entry = v as Partial<VersionManifest> | null;
    if (typeof entry?.postgres?.version !== 'string' || !Array.isArray(entry.files)) {
      problems.push(`version ${key} has no postgres.version or no files list`);
      continue;
    }
    if (!postgresVersionPattern().test(entry.postgres.version)) {
      problems.push(
        `version ${key} has postgres.version "${shown(entry.postgres.version)}", not a PostgreSQL version (the pin schema's pattern ${postgresVersionPattern().source})`,
      );
      continue;
    }
    for (const f of entry.files as unknown[]) {
      const file = f as Partial<FileEntry> | null;
      if (
        typeof file?.path !== 'string' ||
        !file.path.startsWith(`v${key}/`) ||
        typeof file.sha256 !== 'string' ||
        !SHA256.test(file.sha256) ||
        !Number.isSafeInteger(file.size) ||
        (file.size as number) < 0 ||
        (file.mode !== '0755' && file.mode !== '0644')
      )
        problems.push(`version ${key} lists a malformed file entry ${shown(JSON.stringify(f), 120)}`);
    }
  }
  return problems;
}

/**
 * The storage service's requirements (`requires` in the pin) checked against the bundle's own
 * manifest, which the pin's sha256 vouches for (the pin's per-version facts could be edited).
 */
function refuseUnmetRequirements(manifest: Manifest, pin: PlatformPin): void {
  const dialects = Object.fromEntries(
    Object.entries(manifest.versions).map(([major, v]) => [
      major,
      { walredo: typeof v.walredo?.mode === 'string' ? pinnedWalRedo(v) : undefined },
    ]),
  );
  const unmet = unmetRequirements(dialects, pin.requires?.walredo);
  if (unmet.length > 0)
    throw new UserError(
      `the pinned bundle ${pin.tag} does not provide what the pin requires: ${unmet.join('; ')}`,
      'pin a bundle built for the storage service\'s WAL (e.g. from its fork\'s tree with --walredo fork), or change "requires" in a reviewed pull request',
    );
}

function refuse(problem: string): UserError {
  return new UserError(
    `the bundle does not match its manifest or the pin: ${problem}`,
    'do not use this bundle; re-publish the release or pin another one',
  );
}

/**
 * Limits on an archive path, checked before anything is created for it: far beyond any real bundle
 * (its deepest path has about 10 parts), far below what makes the file system or a recursive walk fail.
 */
const MAX_PATH_DEPTH = 32;
const MAX_PATH_BYTES = 1024;
const MAX_NAME_BYTES = 255;

function refuseLongPath(path: string): void {
  const parts = path.split('/');
  const why =
    parts.length > MAX_PATH_DEPTH
      ? `is ${parts.length} directories deep (at most ${MAX_PATH_DEPTH})`
      : Buffer.byteLength(path) > MAX_PATH_BYTES
        ? `is ${Buffer.byteLength(path)} bytes long (at most ${MAX_PATH_BYTES})`
        : parts.some((p) => Buffer.byteLength(p) > MAX_NAME_BYTES)
          ? `has a name longer than ${MAX_NAME_BYTES} bytes`
          : undefined;
  if (why) throw refuse(`the path ${shown(path, 80)} ${why}`);
}

type Kind = 'file' | 'directory' | 'symlink';
type EntryStream = AsyncIterable<Buffer> & { resume(): void };

/**
 * Unpacks a bundle tar into an empty directory, checking each entry before writing it: manifest.json
 * first (checked against the pin), then only directories and the files the manifest lists, with
 * their size known before reading and their sha256 and mode checked after. No link is ever
 * written or followed, no path is written twice, and nothing is written through a non-directory.
 */
class BundleExtraction {
  private manifest?: Manifest;
  private readonly kinds = new Map<string, Kind>();
  private readonly expected = new Map<string, FileEntry>();

  constructor(
    private readonly root: string,
    private readonly pin: PlatformPin,
  ) {}

  async entry(header: tar.Header, stream: EntryStream): Promise<void> {
    const path = safeArchivePath(header.name);
    refuseLongPath(path);
    if (this.kinds.has(path)) throw refuse(`${shown(path)} appears more than once in the archive`);
    if (!this.manifest) {
      if (path !== MANIFEST_ASSET || header.type !== 'file')
        throw new UserError(
          'the bundle does not start with manifest.json',
          'the asset was not written by pg-bundle publish; check the pin',
        );
      const text = await this.readSmall(stream, header.size ?? 0);
      this.manifest = this.parseManifest(text);
      this.writeFile(path, text, 0o644);
      return;
    }
    const top = path.split('/')[0];
    const key = /^v(.*)$/.exec(top)?.[1];
    if (key === undefined || !VERSION_KEY.test(key) || !this.manifest.versions[key])
      throw refuse(`${shown(path)} is outside the versions the manifest lists`);
    this.checkParents(path);
    if (header.type === 'directory') {
      stream.resume();
      this.makeDirectory(path);
    } else if (header.type === 'file') {
      await this.extractFile(path, header, stream);
    } else if (header.type === 'symlink') {
      throw refuse(
        `${shown(path)} is a symlink (to ${shown(header.linkname ?? '?')}); the manifest lists no links`,
      );
    } else {
      throw refuse(`${shown(path)} has unsupported type ${shown(header.type)}`);
    }
  }

  /** Every proper prefix of `path` is a directory of this archive; missing ones are created. */
  private checkParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const kind = this.kinds.get(prefix);
      if (kind && kind !== 'directory')
        throw refuse(`${shown(path)} would be written inside ${shown(prefix)}, a ${kind}`);
      if (!kind) {
        this.makeDirectory(prefix);
      }
    }
  }

  /** A new directory, 0755 whatever the umask (the service may run as another user). */
  private makeDirectory(path: string): void {
    mkdirSync(join(this.root, path));
    chmodSync(join(this.root, path), 0o755);
    this.kinds.set(path, 'directory');
  }

  private async readSmall(stream: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
    if (size > MAX_MANIFEST_BYTES)
      throw refuse(`manifest.json has ${size} bytes, more than ${MAX_MANIFEST_BYTES}`);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c);
    return Buffer.concat(chunks);
  }

  private parseManifest(data: Buffer): Manifest {
    const manifest = parseManifest(data.toString('utf8'), "the bundle's manifest.json");
    const problems = [...manifestShapeProblems(manifest)];
    if (problems.length === 0) problems.push(...pinMismatches(manifest, this.pin));
    if (problems.length) throw refuse(problems.slice(0, 10).join('; '));
    refuseUnmetRequirements(manifest, this.pin);
    for (const v of Object.values(manifest.versions))
      for (const f of v.files) {
        if (this.expected.has(f.path)) throw refuse(`the manifest lists ${f.path} more than once`);
        this.expected.set(f.path, f);
      }
    return manifest;
  }

  private async extractFile(path: string, header: tar.Header, stream: AsyncIterable<Buffer>): Promise<void> {
    const want = this.expected.get(path);
    if (!want) throw refuse(`${shown(path)} is in the bundle but not in the manifest`);
    const mode = (header.mode ?? 0) & 0o7777;
    if (header.size !== want.size)
      throw refuse(`${shown(path)} has ${header.size} bytes, the manifest says ${want.size}`);
    if (mode.toString(8).padStart(4, '0') !== want.mode)
      throw refuse(
        `${shown(path)} has mode ${mode.toString(8).padStart(4, '0')}, the manifest says ${want.mode}`,
      );
    const hash = createHash('sha256');
    const fd = this.create(path, mode);
    try {
      for await (const chunk of stream) {
        hash.update(chunk);
        for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
      }
    } finally {
      closeSync(fd);
    }
    const actual = hash.digest('hex');
    if (actual !== want.sha256)
      throw refuse(`${shown(path)} has sha256 ${actual}, the manifest says ${want.sha256}`);
    this.expected.delete(path);
  }

  private writeFile(path: string, data: Buffer, mode: number): void {
    const fd = this.create(path, mode);
    try {
      for (let done = 0; done < data.length;) done += writeSync(fd, data, done);
    } finally {
      closeSync(fd);
    }
  }

  /** A new file: never through a link, never over an existing path. */
  private create(path: string, mode: number): number {
    this.kinds.set(path, 'file');
    const target = join(this.root, path);
    const fd = openSync(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
    fchmodSync(fd, mode);
    return fd;
  }

  /** The manifest, once every file it lists was found. */
  finish(): Manifest {
    if (!this.manifest)
      throw new UserError(
        'the bundle has no manifest.json',
        'the asset was not written by pg-bundle publish; check the pin',
      );
    const missing = [...this.expected.keys()];
    if (missing.length)
      throw refuse(
        `${missing.length} file(s) listed in the manifest are missing, e.g. ${shown(missing.slice(0, 3).join(', '))}`,
      );
    for (const key of Object.keys(this.manifest.versions))
      if (this.kinds.get(`v${key}`) !== 'directory')
        throw refuse(`the manifest lists v${key} but the bundle has no v${key}/`);
    return this.manifest;
  }
}

/** Feeds the archive into the tar parser as it comes, waiting when the parser's buffer is full. */
async function feed(
  extract: ReturnType<typeof tar.extract>,
  archive: Buffer | AsyncIterable<Buffer>,
): Promise<void> {
  if (Buffer.isBuffer(archive)) {
    extract.end(archive);
    return;
  }
  try {
    for await (const chunk of archive) {
      if (!extract.write(chunk)) await new Promise<void>((resolve) => extract.once('drain', () => resolve()));
    }
    extract.end(Buffer.alloc(0));
  } catch (err) {
    extract.destroy(err as Error);
  }
}

/**
 * Unpacks the checked archive into `root` (an empty directory) as it is decompressed, entry by
 * entry (the whole archive is never in memory); returns its manifest.
 */
export async function extractBundle(
  archive: Buffer | AsyncIterable<Buffer>,
  root: string,
  pin: PlatformPin,
): Promise<Manifest> {
  const extraction = new BundleExtraction(root, pin);
  const extract = tar.extract();
  const fed = feed(extract, archive);
  try {
    for await (const entry of extract) await extraction.entry(entry.header, entry as unknown as EntryStream);
    await fed;
  } catch (err) {
    extract.destroy();
    if (err instanceof UserError) throw err;
    throw new UserError(
      `the bundle is not a valid pg-bundle archive: ${errorMessage(err).split('\n')[0]}`,
      'do not use this bundle; re-publish the release or pin another one',
    );
  }
  return extraction.finish();
}

export interface FetchResult {
  dir: string;
  tag: string;
  /** the platform whose bundle was fetched */
  platform: string;
  /** the majors, in order */
  versions: string[];
  /** their PostgreSQL versions (escaped for a log) */
  postgresVersions: string[];
  sha256: string;
}

function readPinFile(path: string): PinFile {
  if (!existsSync(path))
    throw new UserError(`pin file ${path} does not exist`, 'pass --pin-file <path to postgres-bundle.json>');
  return parsePin(readFileSync(path, 'utf8'), path);
}

/** The data's sha256, refused unless it is the one the voucher states for `url`. */
function checkSha256(data: Buffer, want: string, url: string, what: string, voucher: Voucher): string {
  const actual = sha256(data);
  if (actual !== want)
    throw new UserError(
      `the downloaded ${what} has sha256 ${actual}, ${voucher.requires} ${want} (${url})`,
      voucher.fix,
    );
  return actual;
}

export async function fetchBundle(options: FetchOptions): Promise<FetchResult> {
  return fetchPin(readPinFile(resolve(options.pinPath)), `pin file ${options.pinPath}`, options);
}

/** The platform a fetch takes: `arch`, else the machine's. */
function fetchPlatform(options: FetchTarget): string {
  return archOption(options.arch).id;
}

/**
 * The bundle a pin names for this machine's platform (or options.arch's), read from `where` (a pin
 * file, or the pin on a consumer's branch), checked and unpacked.
 */
export async function fetchPin(pin: PinFile, where: string, options: FetchTarget): Promise<FetchResult> {
  const chosen = platformPin(pin, fetchPlatform(options), where);
  refuseCredentials(pin, chosen, where);
  return fetchPinned(chosen, PIN_VOUCHER, options, () => downloadPinned(chosen, options));
}

/**
 * The pinned bundle, downloaded by `download`, checked (sha256, then every entry against its
 * manifest and the manifest against the pin) and unpacked into --out with one switch.
 */
async function fetchPinned(
  pin: PlatformPin,
  voucher: Voucher,
  options: FetchTarget,
  download: () => Promise<Buffer>,
): Promise<FetchResult> {
  const out = resolve(options.outDir);
  const swap = new OutSwap(out, options.faults);
  // one fetch per --out at a time: another's recover() would delete this one's staging directory
  const { manifest, actual } = await withDirLock(
    out,
    {
      holder: `another fetch into ${out}`,
      fix: 'wait for the other fetch to end, or, if none is running, remove the lock directory named above',
    },
    options.log,
    async () => {
      swap.recover();
      const data = await options.log.step(`downloading ${pin.assetUrl}`, download);
      const sha = checkSha256(data, pin.sha256, pin.assetUrl, 'bundle', voucher);
      return { manifest: await unpackAndSwitch(swap, pin, data, sha), actual: sha };
    },
    options.lockTiming,
  );
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  const postgresVersions = majors.map((m) => shown(manifest.versions[m].postgres.version));
  options.log.info(
    `unpacked ${pin.tag} for ${pin.platform} (PostgreSQL ${postgresVersions.join(', ')}) into ${out}`,
  );
  return {
    dir: out,
    tag: pin.tag,
    platform: pin.platform,
    versions: majors,
    postgresVersions,
    sha256: actual,
  };
}

/** Unpacks the checked archive beside --out and switches --out to it; a failure leaves nothing of it. */
async function unpackAndSwitch(
  swap: OutSwap,
  pin: PlatformPin,
  data: Buffer,
  sha: string,
): Promise<Manifest> {
  const staging = swap.stage(sha);
  let manifest: Manifest;
  try {
    const archive = zstdDecompressStream(data, pin.assetUrl, maxArchiveBytes(pin));
    manifest = await extractBundle(archive, staging, pin);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  swap.install(staging);
  return manifest;
}

/** The pin's URLs, refused when they carry credentials (they would be printed, logged and retried). */
function refuseCredentials(pin: PinFile, chosen: PlatformPin, where: string): void {
  const urls = { assetUrl: chosen.assetUrl, releaseUrl: pin.releaseUrl, manifestUrl: chosen.manifestUrl };
  for (const field of ['assetUrl', 'releaseUrl', 'manifestUrl'] as const) {
    const value = urls[field];
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // the schema checked the form
    }
    if (url.username || url.password) {
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
      throw new UserError(
        `${where}: ${field} carries credentials (${url.toString()})`,
        'remove the user and password from the URL; give a token for a private release repository with --token or GITHUB_TOKEN instead',
      );
    }
  }
}

/** SHA256SUMS lists a few assets: a few hundred bytes. */
const MAX_SUMS_BYTES = 64 * 1024;

/**
 * The bundle of a release, found by its tag through the API (anonymously when there is no token or
 * the API must not get it: public repositories only), checked and unpacked as a pin to it would be.
 */
export async function fetchRelease(options: ReleaseFetchOptions): Promise<FetchResult> {
  const ref = {
    ...parseRepository(options.repository, 'the release repository'),
    tag: options.tag,
    namedBy: '--repository and --tag',
  };
  const token = apiTakesToken(options.apiUrl) ? options.token : undefined;
  if (!token)
    options.log.info(
      options.token
        ? `the token is not sent to the plain-http API ${options.apiUrl ?? ''}: reading release ${ref.tag} of ${repositoryOf(ref)} without it`
        : `reading release ${ref.tag} of ${repositoryOf(ref)} without a token: a private repository needs --token or GITHUB_TOKEN`,
    );
  const octokit = apiClient(token, options);
  const release = await releaseByTag(octokit, ref);
  const platform = fetchPlatform(options);
  const { pin, asset } = await releasePin(octokit, ref, release, platform);
  const chosen = platformPin(pin, platform, `release ${ref.tag} in ${repositoryOf(ref)}`);
  return fetchPinned(chosen, sumsVoucher(ref.tag, repositoryOf(ref)), options, () =>
    downloadReleaseAsset(octokit, ref, asset, maxAssetBytes(chosen)),
  );
}

const INCOMPLETE_RELEASE =
  'check the tag and the repository; a release pg-bundle publish left incomplete is completed by running publish again';

/**
 * The pin pin-bump would write for this release's bundle of `platform`, and that bundle's asset:
 * the versions and sizes from the platform's manifest (manifest-<platform>.json in a release of
 * several platforms, else manifest.json), the sha256 of both from its SHA256SUMS.
 */
async function releasePin(
  octokit: GitHubClient,
  ref: ReleaseRef,
  release: Release,
  platform: string,
): Promise<{ pin: PinFile; asset: ReleaseAsset }> {
  const repository = repositoryOf(ref);
  const sumsAsset = assetNamed(release, ref, SHA256SUMS_ASSET, INCOMPLETE_RELEASE);
  const ownManifest = release.assets.some((a) => a.name === platformManifestName(platform));
  const manifestName = ownManifest ? platformManifestName(platform) : MANIFEST_ASSET;
  const manifestAsset = assetNamed(release, ref, manifestName, INCOMPLETE_RELEASE);
  const sumsData = await downloadReleaseAsset(
    octokit,
    ref,
    sumsAsset,
    MAX_SUMS_BYTES,
    'a SHA256SUMS may have',
  );
  const sums = parseSha256Sums(
    sumsData.toString('utf8'),
    `SHA256SUMS of release ${ref.tag} in ${repository}`,
  );
  const listed = (name: string): string => {
    const sum = sums.get(name);
    if (!sum)
      throw new UserError(
        `SHA256SUMS of release ${ref.tag} in ${repository} lists no sha256 for ${name}`,
        INCOMPLETE_RELEASE,
      );
    return sum;
  };
  const manifestData = await downloadReleaseAsset(
    octokit,
    ref,
    manifestAsset,
    MAX_MANIFEST_BYTES,
    'a manifest may have',
  );
  const where = `${manifestName} of release ${ref.tag}`;
  const voucher = sumsVoucher(ref.tag, repository);
  checkSha256(manifestData, listed(manifestName), manifestAsset.browser_download_url, where, voucher);
  const manifest = parseManifest(manifestData.toString('utf8'), where);
  const problems = manifestShapeProblems(manifest);
  if (problems.length) throw refuse(`${where}: ${problems.slice(0, 10).join('; ')}`);
  const asset = assetNamed(release, ref, bundleAssetName(ref.tag, manifest.platform), INCOMPLETE_RELEASE);
  let pin: PinFile;
  try {
    pin = pinFromManifest(manifest, {
      repository,
      tag: ref.tag,
      releaseUrl: release.html_url,
      assets: {
        [manifest.platform]: {
          assetName: asset.name,
          assetUrl: asset.browser_download_url,
          manifestUrl: manifestAsset.browser_download_url,
          sha256: listed(asset.name),
        },
      },
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw refuse(`${where} lacks facts of a version (${errorMessage(err)})`);
  }
  return { pin, asset };
}
