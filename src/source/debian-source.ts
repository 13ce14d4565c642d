/** A Debian source package: fetched with apt-get through a private sources.list, checked against its .dsc. */
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommandError, errorMessage, UserError } from '../util/errors';
import { capture, run } from '../util/exec';
import { sha256File } from '../util/hash';
import { Logger } from '../util/logger';
import { aptFailures, missingArchiveFiles } from './apt-output';
import { ResolveContext } from './context';
import { newestFirst } from './debian-version';
import { DEBIAN_KEYRING, debSrcList, parseDsc, upstreamTarball } from './dsc';
import { extractOnce } from './tarball';

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_DEBIAN_SUITES = ['bookworm', 'trixie', 'sid', 'bullseye'];

function aptOptions(aptDir: string): string[] {
  return [
    // apt 2.6 stalls for good when a transient failure (e.g. HTTP 500 for one suite) is retried after a
    // delay while other files are queued; immediate retries finish
    '-o',
    'Acquire::Retries::Delay=false',
    '-o',
    `Dir::Etc::SourceList=${join(aptDir, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=/nonexistent',
    '-o',
    `Dir::State::Lists=${join(aptDir, 'lists')}`,
    '-o',
    `Dir::Cache=${join(aptDir, 'cache')}`,
    '-o',
    'Dir::State::status=/dev/null',
    '-o',
    'APT::Sandbox::User=root',
    '-o',
    'Debug::NoLocking=1',
  ];
}

/**
 * Fetches a Debian source package with apt-get through a private sources.list under the cache
 * (the system's apt configuration is not touched), checks the upstream tarball against the .dsc
 * and extracts it. Debian's own patches are not applied: the bundle is built from upstream source.
 */
export async function fetchDebian(
  pkg: string,
  version: string | undefined,
  ctx: ResolveContext,
): Promise<{ tree: string; sha256: string; version: string }> {
  const aptDir = join(ctx.cacheDir, 'apt');
  mkdirSync(join(aptDir, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(aptDir, 'cache', 'archives', 'partial'), { recursive: true });
  const keyring = ctx.debianKeyring ?? DEBIAN_KEYRING;
  if (!existsSync(keyring)) {
    throw new UserError(
      `Debian's archive keyring (${keyring}) is missing, so Debian sources cannot be verified`,
      'run: sudo apt-get install -y debian-archive-keyring',
    );
  }
  const list = debSrcList(
    ctx.debianMirror ?? DEFAULT_DEBIAN_MIRROR,
    ctx.debianSuites ?? DEFAULT_DEBIAN_SUITES,
    keyring,
  );
  const suites = ctx.debianSuites ?? DEFAULT_DEBIAN_SUITES;
  const opts = aptOptions(aptDir);
  await updateIndexes(aptDir, list, opts, ctx.log);
  const listed = await listedVersions(pkg, opts);
  if (listed.length === 0) {
    throw new UserError(
      `Debian has no source package '${pkg}' in ${suites.join(', ')}`,
      `check the package name (e.g. postgresql-15), or use a tarball:<url-or-path> source with --sha256`,
    );
  }
  // a pinned version is fetched as asked; otherwise the newest listed version whose files the archive serves
  const candidates = version ? [version] : listed;
  let fetched: { dir: string; dscName: string } | undefined;
  const missing: string[] = [];
  for (const candidate of candidates) {
    try {
      fetched = await downloadDebianSource(pkg, candidate, opts, ctx);
      break;
    } catch (err) {
      if (!(err instanceof MissingDebianFiles)) throw err;
      missing.push(`${pkg} ${candidate} (${err.files.join(', ')})`);
      if (!version)
        ctx.log.warn(
          `Debian's index lists ${pkg} ${candidate} but the archive does not serve ${err.files.join(', ')}; trying the next version`,
        );
    }
  }
  if (!fetched) {
    throw new UserError(
      `Debian's index lists ${missing.join('; ')} but the archive answers 404 for those files`,
      version
        ? `pin a version the archive still serves (debian:${pkg}=<version>; listed: ${listed.join(', ')}), or use a tarball:<url-or-path> source with --sha256`
        : `use a tarball:<url-or-path> source with --sha256 (e.g. upstream's release tarball)`,
    );
  }
  const { dir, dscName } = fetched;
  const dsc = parseDsc(readFileSync(join(dir, dscName), 'utf8'));
  const orig = upstreamTarball(dsc);
  if (!orig) throw new UserError(`${dscName} lists no upstream tarball`, 'use a tarball: source instead');
  const actual = await sha256File(join(dir, orig.name));
  if (actual !== orig.sha256) {
    throw new UserError(
      `${orig.name} does not match the sha256 in ${dscName}`,
      `delete ${dir} and run again`,
    );
  }
  const tree = await extractOnce(join(dir, orig.name), join(ctx.cacheDir, 'trees', orig.sha256), ctx.log);
  return { tree, sha256: orig.sha256, version: dsc.version };
}

/**
 * `apt-get update` of the private list, at most once a day. apt exits 0 when an index failed to
 * download, so its output is read: an update with failures is never recorded as fresh.
 */
async function updateIndexes(aptDir: string, list: string, opts: string[], log: Logger): Promise<void> {
  const listFile = join(aptDir, 'sources.list');
  const stamp = join(aptDir, 'updated');
  const fresh =
    existsSync(stamp) &&
    existsSync(listFile) &&
    readFileSync(listFile, 'utf8') === list &&
    Date.now() - statSync(stamp).mtimeMs < 24 * 3600 * 1000;
  if (fresh) return;
  rmSync(stamp, { force: true });
  writeFileSync(listFile, list);
  const logFile = join(aptDir, 'update.log');
  // with a logFile run() keeps only stdout, and apt's W:/E: lines go to stderr: collect both
  const output: string[] = [];
  await log.step('apt-get update (private deb-src list)', () =>
    run('apt-get', [...opts, '-q', 'update'], { logFile, onOutput: (chunk) => output.push(chunk) }),
  );
  const problems = aptFailures(output.join(''));
  if (problems.length === 0) {
    writeFileSync(stamp, '');
    return;
  }
  log.warn(
    `apt-get update could not fetch every index (it will be retried next time): ${problems.join('; ')} (log: ${logFile})`,
  );
}

async function listedVersions(pkg: string, opts: string[]): Promise<string[]> {
  const showsrc = await capture('apt-cache', [...opts, 'showsrc', '--only-source', pkg]).catch(() => '');
  const versions = [...new Set([...showsrc.matchAll(/^Version:\s*(\S+)/gm)].map((m) => m[1]))];
  return newestFirst(versions);
}

/** Files of a listed source package that the archive does not serve. */
class MissingDebianFiles extends Error {
  constructor(readonly files: string[]) {
    super(`missing: ${files.join(', ')}`);
  }
}

async function downloadDebianSource(
  pkg: string,
  wanted: string,
  opts: string[],
  ctx: ResolveContext,
): Promise<{ dir: string; dscName: string }> {
  const dir = join(ctx.cacheDir, 'debian', `${pkg}_${wanted}`);
  const dscName = `${pkg}_${wanted.replace(/^\d+:/, '')}.dsc`;
  if (existsSync(join(dir, dscName))) return { dir, dscName };
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'apt-source.log');
  let output: string;
  try {
    const chunks: string[] = [];
    await ctx.log.step(`apt-get source --download-only ${pkg}=${wanted}`, () =>
      run('apt-get', [...opts, '-q', 'source', '--download-only', `${pkg}=${wanted}`], {
        cwd: dir,
        logFile,
        onOutput: (chunk) => chunks.push(chunk),
      }),
    );
    output = chunks.join('');
  } catch (err) {
    output = err instanceof CommandError ? err.outputTail : errorMessage(err);
  }
  const notServed = missingArchiveFiles(output);
  if (notServed.length > 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new MissingDebianFiles(notServed.map((f) => `${f.file} (HTTP ${f.status})`));
  }
  if (!existsSync(join(dir, dscName))) {
    throw new UserError(
      `could not download Debian source ${pkg}=${wanted}: ${aptFailures(output).join('; ') || 'apt-get source failed'} (log: ${logFile})`,
      `check the version with apt-cache showsrc ${pkg}, or use a tarball:<url-or-path> source with --sha256`,
    );
  }
  return { dir, dscName };
}
