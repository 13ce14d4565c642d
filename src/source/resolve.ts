import { newestFirst } from './debian-version';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { basename, join, resolve as resolvePath } from 'node:path';
import { CommandError, errorMessage, UserError } from '../util/errors';
import { capture, run } from '../util/exec';
import { sha256File } from '../util/hash';
import { Logger } from '../util/logger';
import { aptFailures, missingArchiveFiles } from './apt-output';
import { DEBIAN_KEYRING, debSrcList, parseDsc, upstreamTarball } from './dsc';
import {
  configureOffersLibseccomp,
  parseCatversion,
  parseConfigureVersion,
  PgSourceVersion,
  treeHasWalRedo,
} from './pg-version';
import { SourceSpec } from './spec';
import { treeContentHash } from './tree-hash';

export interface ResolvedSource {
  spec: SourceSpec;
  /** Root of the (read-only) source tree; builds run out of tree. */
  dir: string;
  version: PgSourceVersion;
  catversion: number;
  /** Git commit, `content:<hash> (...)` for a modified checkout or a plain directory, tarball sha256, or Debian package=version. */
  revision: string;
  /** sha256 of the tarball the tree came from, when there is one. */
  tarballSha256?: string;
  hasWalRedo: boolean;
  /** the tree's configure offers --with-libseccomp (a storage-service fork) */
  offersLibseccomp: boolean;
}

export interface ResolveContext {
  cacheDir: string;
  log: Logger;
  debianMirror?: string;
  debianSuites?: string[];
  /** Keyring the Debian archive's Release files are checked against (default: Debian's archive keyring). */
  debianKeyring?: string;
}

export const DEFAULT_DEBIAN_MIRROR = 'http://deb.debian.org/debian';
export const DEFAULT_DEBIAN_SUITES = ['bookworm', 'trixie', 'sid', 'bullseye'];

export async function resolveSource(
  spec: SourceSpec,
  major: number,
  ctx: ResolveContext,
): Promise<ResolvedSource> {
  switch (spec.kind) {
    case 'dir': {
      // the tree is checked first: its revision reads the whole tree when it is no clean checkout
      const tree = await describeTree(spec, resolvePath(spec.path), major, '');
      return { ...tree, revision: await gitRevision(tree.dir) };
    }
    case 'tarball': {
      const tree = await fetchTarball(spec.location, spec.sha256, ctx);
      return {
        ...(await describeTree(spec, tree, major, `sha256:${spec.sha256}`)),
        tarballSha256: spec.sha256,
      };
    }
    case 'debian': {
      const { tree, sha256, version } = await fetchDebian(spec.package, spec.version, ctx);
      return {
        ...(await describeTree(spec, tree, major, `debian:${spec.package}=${version}`)),
        tarballSha256: sha256,
      };
    }
  }
}

/** Reads version facts from a tree and refuses a tree of another major version. */
export async function describeTree(
  spec: SourceSpec,
  dir: string,
  major: number,
  revision: string,
): Promise<ResolvedSource> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UserError(
      `source directory ${dir} does not exist`,
      'check the path given after dir: (a PostgreSQL checkout, e.g. vendor/postgres-v15)',
    );
  }
  const configure = join(dir, 'configure');
  if (!existsSync(configure)) {
    throw new UserError(
      `${dir} is not a PostgreSQL source tree: it has no configure script`,
      'point dir: at the top of a PostgreSQL checkout',
    );
  }
  const version = parseConfigureVersion(readFileSync(configure, 'utf8'));
  if (!version)
    throw new UserError(`cannot read PACKAGE_VERSION from ${configure}`, 'use an unmodified PostgreSQL tree');
  if (version.major !== major) {
    throw new UserError(
      `source ${describeSpec(spec)} is PostgreSQL ${version.full}, but version ${major} was requested`,
      `point the v${major} source at a PostgreSQL ${major} tree, or request --pg ${version.major}`,
    );
  }
  if (existsSync(join(dir, 'config.status'))) {
    throw new UserError(
      `${dir} has been configured in place`,
      `run 'make distclean' there: pg-bundle builds out of tree and needs a clean source`,
    );
  }
  const catversionFile = join(dir, 'src/include/catalog/catversion.h');
  const catversion = existsSync(catversionFile)
    ? parseCatversion(readFileSync(catversionFile, 'utf8'))
    : undefined;
  if (catversion === undefined)
    throw new UserError(
      `cannot read CATALOG_VERSION_NO from ${catversionFile}`,
      'use a complete PostgreSQL tree',
    );
  const mainC = join(dir, 'src/backend/main/main.c');
  const hasWalRedo = existsSync(mainC) && treeHasWalRedo(readFileSync(mainC, 'utf8'));
  const configureScript = join(dir, 'configure');
  const offersLibseccomp =
    existsSync(configureScript) && configureOffersLibseccomp(readFileSync(configureScript, 'utf8'));
  return { spec, dir, version, catversion, revision, hasWalRedo, offersLibseccomp };
}

/** The manifest's record of where a version's source came from. */
export function manifestSource(source: ResolvedSource): {
  spec: string;
  kind: string;
  revision: string;
  tarballSha256?: string;
} {
  return {
    spec: describeSpec(source.spec),
    kind: source.spec.kind,
    revision: source.revision,
    ...(source.tarballSha256 ? { tarballSha256: source.tarballSha256 } : {}),
  };
}

export function describeSpec(spec: SourceSpec): string {
  switch (spec.kind) {
    case 'dir':
      return `dir:${spec.path}`;
    case 'tarball':
      return `tarball:${spec.location}`;
    case 'debian':
      return `debian:${spec.package}${spec.version ? '=' + spec.version : ''}`;
  }
}

/**
 * A clean checkout is named by its commit; a modified one, or a directory that is no git checkout,
 * by its content (tree-hash.ts), so that two different trees never share a revision.
 */
async function gitRevision(dir: string): Promise<string> {
  const content = () => `content:${treeContentHash(dir).slice(0, 16)}`;
  let rev: string;
  try {
    rev = await capture('git', ['-C', dir, 'rev-parse', 'HEAD']);
  } catch {
    return `${content()} (not a git checkout)`;
  }
  // untracked files are compiled too (the snapshot copies them): they make the tree another one
  const dirty = await capture('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=all']);
  return dirty ? `${content()} (${rev}-dirty)` : rev;
}

/** Downloads (or copies) a tarball into the cache, checks its sha256 and extracts it once. */
export async function fetchTarball(location: string, sha256: string, ctx: ResolveContext): Promise<string> {
  const downloadDir = join(ctx.cacheDir, 'downloads', sha256);
  const name = basename(new URL(location, 'file:///').pathname) || 'source.tar';
  const file = join(downloadDir, name);
  if (!existsSync(file) || (await sha256File(file)) !== sha256) {
    mkdirSync(downloadDir, { recursive: true });
    const partial = `${file}.partial`;
    await ctx.log.step(`download ${location}`, async () => {
      if (/^https?:\/\//.test(location)) {
        const response = await fetch(location);
        if (!response.ok)
          throw new UserError(
            `download of ${location} failed: HTTP ${response.status}`,
            'check the URL and the network',
          );
        writeFileSync(partial, Buffer.from(await response.arrayBuffer()));
      } else {
        const path = location.replace(/^file:\/\//, '');
        if (!existsSync(path))
          throw new UserError(`tarball ${path} does not exist`, 'check the path given after tarball:');
        await copyFile(path, partial);
      }
    });
    const actual = await sha256File(partial);
    if (actual !== sha256) {
      rmSync(partial, { force: true });
      throw new UserError(
        `checksum mismatch for ${location}: expected sha256 ${sha256}, got ${actual}`,
        'check that --sha256 belongs to this tarball (the file was not kept)',
      );
    }
    renameSync(partial, file);
  }
  return extractOnce(file, join(ctx.cacheDir, 'trees', sha256), ctx.log);
}

/** Extracts a tarball into `target` (once; an interrupted extraction is redone) and returns its top directory. */
async function extractOnce(tarball: string, target: string, log: Logger): Promise<string> {
  const done = join(target, '.pg-bundle-extracted');
  if (!existsSync(done)) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    await log.step(`extract ${basename(tarball)}`, () => run('tar', ['-xf', tarball, '-C', target]));
    writeFileSync(done, '');
  }
  const entries = readdirSync(target).filter((e) => !e.startsWith('.'));
  if (entries.length === 1 && statSync(join(target, entries[0])).isDirectory())
    return join(target, entries[0]);
  return target;
}

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
