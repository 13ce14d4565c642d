import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { UserError } from '../util/errors';
import { capture } from '../util/exec';
import { ResolveContext } from './context';
import { fetchDebian } from './debian-source';
import { fetchTarball } from './tarball';
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
