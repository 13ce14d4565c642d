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
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Manifest } from '../core/manifest';
import { parsePin } from '../pin/read';
import { PinFile } from '../pin/types';
import { DirLockTiming, withDirLock } from '../util/dir-lock';
import { UserError } from '../util/errors';
import { shown } from '../util/log-text';
import { Logger } from '../util/logger';
import { DownloadAccess } from './access';
import { checkSha256, maxAssetBytes, PIN_VOUCHER, refuseCredentials, sumsVoucher, Voucher } from './checks';
import { downloadPinned } from './download';
import { unpackBundle } from './extract';
import { fetchPlatform, PlatformPin, platformPin } from './platform';
import {
  downloadReleaseAsset,
  releaseByTag,
  releaseClient,
  releasePin,
  releaseRef,
  repositoryOf,
} from './release-assets';
import { OutSwap, SwapStep } from './swap';

/** Where fetch unpacks, and how it reaches GitHub. */
export interface FetchTarget extends DownloadAccess {
  outDir: string;
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

/** The bundle a pin file names, fetched as fetchPin does. */
export async function fetchBundle(options: FetchOptions): Promise<FetchResult> {
  const pin = readPinFile(resolve(options.pinPath));
  return fetchPin(pin, `pin file ${options.pinPath}`, options);
}

/**
 * The bundle a pin names for this machine's platform (or options.arch's), read from `where` (a pin
 * file, or the pin on a consumer's branch), checked and unpacked.
 */
export async function fetchPin(pin: PinFile, where: string, options: FetchTarget): Promise<FetchResult> {
  const chosen = platformPin(pin, fetchPlatform(options.arch), where);
  refuseCredentials(pin, chosen, where);
  return fetchPinned(chosen, PIN_VOUCHER, options, () => downloadPinned(chosen, options));
}

/**
 * The bundle of a release, found by its tag through the API (anonymously when there is no token or
 * the API must not get it: public repositories only), checked and unpacked as a pin to it would be.
 */
export async function fetchRelease(options: ReleaseFetchOptions): Promise<FetchResult> {
  const ref = releaseRef(options.repository, options.tag);
  const octokit = releaseClient(ref, options);
  const release = await releaseByTag(octokit, ref);
  const platform = fetchPlatform(options.arch);
  const { pin, asset } = await releasePin(octokit, ref, release, platform);
  const chosen = platformPin(pin, platform, `release ${ref.tag} in ${repositoryOf(ref)}`);
  return fetchPinned(chosen, sumsVoucher(ref.tag, repositoryOf(ref)), options, () =>
    downloadReleaseAsset(octokit, ref, asset, maxAssetBytes(chosen)),
  );
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
  const { manifest, sha } = await withOutLock(out, options, async () => {
    swap.recover();
    const data = await options.log.step(`downloading ${pin.assetUrl}`, download);
    const sha = checkSha256(data, pin.sha256, pin.assetUrl, 'bundle', voucher);
    const staging = swap.stage(sha);
    const manifest = await unpackBundle(data, staging, pin);
    swap.install(staging);
    return { manifest, sha };
  });
  return unpacked(out, pin, manifest, sha, options.log);
}

function readPinFile(path: string): PinFile {
  if (!existsSync(path))
    throw new UserError(`pin file ${path} does not exist`, 'pass --pin-file <path to postgres-bundle.json>');
  return parsePin(readFileSync(path, 'utf8'), path);
}

/** One fetch per --out at a time: another's recover() would delete this one's staging directory. */
function withOutLock<T>(out: string, options: FetchTarget, body: () => Promise<T>): Promise<T> {
  return withDirLock(
    out,
    {
      holder: `another fetch into ${out}`,
      fix: 'wait for the other fetch to end, or, if none is running, remove the lock directory named above',
    },
    options.log,
    body,
    options.lockTiming,
  );
}

/** What was unpacked into --out, said in the log. */
function unpacked(out: string, pin: PlatformPin, manifest: Manifest, sha: string, log: Logger): FetchResult {
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  const postgresVersions = majors.map((m) => shown(manifest.versions[m].postgres.version));
  log.info(`unpacked ${pin.tag} for ${pin.platform} (PostgreSQL ${postgresVersions.join(', ')}) into ${out}`);
  return { dir: out, tag: pin.tag, platform: pin.platform, versions: majors, postgresVersions, sha256: sha };
}
