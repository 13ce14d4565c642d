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
import { compareFiles, FileEntry, Manifest, MANIFEST_SCHEMA_VERSION } from '../core/manifest';
import { UserError } from '../util/errors';
import { isSha256Hex, sha256 } from '../util/hash';
import { Logger } from '../util/logger';
import {
  createGitHubClient,
  DEFAULT_RETRY,
  explainGitHubError,
  HttpFailure,
  retryDecision,
} from './github-client';
import { MANIFEST_ASSET } from './naming';
import { readTar, UnpackedEntry } from './tarball';
import { zstdDecompress } from './zstd';

/** The fields of the pin file (format owned by pin-bump, schemas/pin-file.schema.json) that fetch uses. */
export interface PinForFetch {
  schemaVersion: number;
  tag: string;
  assetUrl: string;
  sha256: string;
  assetName?: string;
  versions: Record<string, { postgresVersion?: string }>;
}

export function parsePin(text: string, path: string): PinForFetch {
  let pin: Partial<PinForFetch>;
  try {
    pin = JSON.parse(text) as Partial<PinForFetch>;
  } catch (err) {
    throw new UserError(
      `${path} is not valid JSON: ${(err as Error).message}`,
      'restore the pin file written by pg-bundle pin-bump',
    );
  }
  const problems: string[] = [];
  if (pin.schemaVersion !== 1)
    problems.push(`schemaVersion is ${JSON.stringify(pin.schemaVersion)}, this pg-bundle reads 1`);
  if (typeof pin.tag !== 'string' || !pin.tag) problems.push('tag is missing');
  if (typeof pin.assetUrl !== 'string' || !/^(https?|file):\/\//.test(pin.assetUrl))
    problems.push('assetUrl is missing or not an http(s)/file URL');
  if (typeof pin.sha256 !== 'string' || !isSha256Hex(pin.sha256))
    problems.push('sha256 is not 64 lower-case hex digits');
  if (!pin.versions || typeof pin.versions !== 'object' || Object.keys(pin.versions).length === 0)
    problems.push('versions is missing or empty');
  if (problems.length)
    throw new UserError(
      `${path} is not a usable pg-bundle pin file: ${problems.join('; ')}`,
      'regenerate it with pg-bundle pin-bump (format: docs/pin-file.md)',
    );
  return pin as PinForFetch;
}

/** owner, repo, tag and asset name from a github.com release download URL (pure). */
export function parseReleaseDownloadUrl(
  url: string,
): { owner: string; repo: string; tag: string; name: string } | undefined {
  const m = /\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/?#]+)$/.exec(url);
  return m
    ? {
        owner: decodeURIComponent(m[1]),
        repo: decodeURIComponent(m[2]),
        tag: decodeURIComponent(m[3]),
        name: decodeURIComponent(m[4]),
      }
    : undefined;
}

export interface FetchOptions {
  pinPath: string;
  outDir: string;
  token?: string;
  apiUrl?: string;
  log: Logger;
  retryBaseDelayMs?: number;
}

async function downloadWithFetch(
  url: string,
  token: string | undefined,
  log: Logger,
  baseDelayMs: number,
): Promise<Buffer> {
  if (url.startsWith('file://')) return readFileSync(new URL(url));
  for (let attempt = 1; ; attempt++) {
    let failure: HttpFailure;
    try {
      const res = await fetch(url, {
        headers: token ? { authorization: `token ${token}` } : {},
        redirect: 'follow',
      });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      failure = {
        status: res.status,
        message: res.statusText,
        response: { headers: Object.fromEntries(res.headers.entries()) },
      };
      if (res.status === 404 || res.status === 401 || res.status === 403) {
        if (
          !failure.response?.headers?.['retry-after'] &&
          failure.response?.headers?.['x-ratelimit-remaining'] !== '0'
        ) {
          throw new UserError(
            `downloading ${url} failed: ${res.status} ${res.statusText}`,
            'for a private release repository give a token that can read it (--token or GITHUB_TOKEN), and check the pin',
          );
        }
      }
    } catch (err) {
      if (err instanceof UserError) throw err;
      failure = { status: 500, message: (err as Error).message };
    }
    const decision = retryDecision(failure, attempt, { ...DEFAULT_RETRY, baseDelayMs }, Date.now());
    if (!decision.retry)
      throw new UserError(
        `downloading ${url} failed: ${failure.status} ${failure.message}`,
        'check the network and the pin file; run fetch again',
      );
    log.warn(
      `downloading ${url}: ${decision.reason}; retry ${attempt} in ${(decision.delayMs / 1000).toFixed(1)} s`,
    );
    await new Promise((r) => setTimeout(r, decision.delayMs));
  }
}

/** Through the API (works for private repositories): release by tag → asset by name → download. */
async function downloadWithApi(
  pin: PinForFetch,
  token: string,
  apiUrl: string | undefined,
  log: Logger,
  baseDelayMs: number,
): Promise<Buffer | undefined> {
  const where = parseReleaseDownloadUrl(pin.assetUrl);
  if (!where) return undefined;
  const octokit = createGitHubClient({ token, baseUrl: apiUrl, log, retry: { baseDelayMs } });
  const repository = `${where.owner}/${where.repo}`;
  try {
    const { data: release } = await octokit.rest.repos.getReleaseByTag({
      owner: where.owner,
      repo: where.repo,
      tag: where.tag,
    });
    const asset = release.assets.find((a) => a.name === (pin.assetName ?? where.name));
    if (!asset)
      throw new UserError(
        `release ${where.tag} in ${repository} has no asset ${pin.assetName ?? where.name}`,
        'check the pin file (was the release published completely?)',
      );
    const { data } = await octokit.rest.repos.getReleaseAsset({
      owner: where.owner,
      repo: where.repo,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    });
    return Buffer.from(data as unknown as ArrayBuffer);
  } catch (err) {
    throw explainGitHubError(err, repository, 'contents: read');
  }
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

/** Checks an unpacked archive against its manifest and the pin (pure). Returns the manifest. */
export function checkArchive(entries: UnpackedEntry[], pin: PinForFetch): Manifest {
  const manifestEntry = entries.find((e) => e.path === MANIFEST_ASSET && e.type === 'file');
  if (!manifestEntry?.data)
    throw new UserError(
      'the bundle has no manifest.json',
      'the asset was not written by pg-bundle publish; check the pin',
    );
  const manifest = JSON.parse(manifestEntry.data.toString('utf8')) as Manifest;
  if (manifest.schemaVersion !== MANIFEST_SCHEMA_VERSION)
    throw new UserError(
      `the bundle's manifest has schema version ${manifest.schemaVersion}, this pg-bundle reads ${MANIFEST_SCHEMA_VERSION}`,
      'use the pg-bundle version that published the release',
    );
  const problems: string[] = [];
  for (const [major, v] of Object.entries(pin.versions)) {
    const m = manifest.versions[major];
    if (!m) problems.push(`the pin lists PostgreSQL ${major} but the bundle does not contain it`);
    else if (v.postgresVersion && v.postgresVersion !== m.postgres.version)
      problems.push(
        `v${major}: the pin says PostgreSQL ${v.postgresVersion}, the bundle has ${m.postgres.version}`,
      );
  }
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
  const diffs = compareFiles(
    Object.values(manifest.versions).flatMap((v) => v.files),
    fileEntriesOf(entries),
  );
  problems.push(...diffs.map((d) => `${d.path}: ${d.problem} (${d.detail})`));
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

export async function fetchBundle(options: FetchOptions): Promise<FetchResult> {
  const { log } = options;
  const pinPath = resolve(options.pinPath);
  if (!existsSync(pinPath))
    throw new UserError(
      `pin file ${pinPath} does not exist`,
      'pass --pin-file <path to postgres-bundle.json>',
    );
  const pin = parsePin(readFileSync(pinPath, 'utf8'), pinPath);
  const baseDelayMs = options.retryBaseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const data = await log.step(
    `downloading ${pin.assetUrl}`,
    async () =>
      (options.token
        ? await downloadWithApi(pin, options.token, options.apiUrl, log, baseDelayMs)
        : undefined) ?? (await downloadWithFetch(pin.assetUrl, options.token, log, baseDelayMs)),
  );
  const actual = sha256(data);
  if (actual !== pin.sha256) {
    throw new UserError(
      `the downloaded bundle has sha256 ${actual}, the pin requires ${pin.sha256} (${pin.assetUrl})`,
      'do not use it: the asset was replaced or damaged. Re-run pin-bump for the release you want, or re-publish the pinned one',
    );
  }
  const entries = await readTar(await zstdDecompress(data, pin.assetUrl));
  const manifest = checkArchive(entries, pin);

  const out = resolve(options.outDir);
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
    log.info(
      `unpacked ${pin.tag} (PostgreSQL ${majors.map((m) => manifest.versions[m].postgres.version).join(', ')}) into ${out}`,
    );
    return { dir: out, tag: pin.tag, versions: majors, sha256: actual };
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
