/**
 * The compiled PostgreSQL tree, shared by the static and the dynamic build. It is kept in the cache,
 * keyed by source and configure flags: a second build of the same source (either linkage) only runs
 * an incremental `make` and the staging install. Binaries relinked for a bundle are moved out of the
 * tree, so the tree always holds the ordinary ones `make` produced.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ResolvedSource } from '../source/resolve';
import { run } from '../util/exec';
import { sha256 } from '../util/hash';
import { Logger } from '../util/logger';
import { withCacheLock } from './cache-lock';
import { ccacheEnv, readCcacheStats, zeroCcacheStats } from './ccache';
import { compilerFrontDir, realCompiler } from './compiler-front';
import { configureArgs, configureEnv, staticIcuLibs, unrelocatedPrefix } from './configure';
import type { CompileScope, Toolchain } from './types';
import { binTools, BuildTarget, crossCompilerFlags, crossEnv, isCross } from './cross';
import { IcuChoice } from './icu';
import { IN_TREE_MODULES } from './modules';
import { CONFIGURED_FILE, ConfiguredTree, findSeedBase, seedTree, TREE_LAYOUT } from './seed-tree';
import { syncSnapshot } from './source-snapshot';

/** Binaries that builds relink in the tree with their own flags before moving them out. */
export const RELINKED_IN_TREE = ['src/backend/postgres', 'src/bin/initdb/initdb'];

/**
 * Arguments of every make in the tree: header dependency tracking (.deps/*.Po), so that a changed
 * header rebuilds what includes it (a seeded or reused tree relies on it). Given to make, not to
 * configure: configure's arguments are compiled into postgres, make's are not.
 */
export const TREE_MAKE_ARGS = ['autodepend=yes'];

/**
 * What a bundle needs compiled (`scope: 'bundle'`), in the order of src/Makefile's SUBDIRS (later
 * directories link what earlier ones built, and `make -j` inside one directory does not wait for
 * another's libraries: the backend failed with "No rule to make target libpgcommon_srv.a" when it
 * came first): the libraries, the timezone compiler, the backend, libpq and fe_utils for initdb,
 * initdb, pg_config (PGXS) and the in-tree modules linked in. The rest of the tree (client
 * programs, ecpg, test tools, conversion modules) is not in the bundle.
 */
export function bundleCompileDirs(): string[] {
  return [
    'src/common',
    'src/port',
    'src/timezone',
    'src/backend',
    'src/interfaces/libpq',
    'src/fe_utils',
    'src/bin/initdb',
    'src/bin/pg_config',
    ...IN_TREE_MODULES.map((m) => m.dir),
  ];
}

/**
 * What a bundle needs staged: share/ data of the compiled directories, the headers and makefiles
 * PGXS builds modules with, libpq (its install also lays out pg_service.conf.sample, which a full
 * install puts in share/ and the bundle has always carried).
 */
export function bundleInstallDirs(): string[] {
  return ['config', 'src/include', 'src/makefiles', ...bundleCompileDirs()];
}

/** In-tree modules outside what the top-level make builds (contrib/). */
export function contribModuleDirs(): string[] {
  return IN_TREE_MODULES.map((m) => m.dir).filter((d) => d.startsWith('contrib/'));
}

/** share/ files a full install takes from directories the bundle does not compile: copied from the source. */
export const SHARE_FILES_FROM_SOURCE = [{ from: 'src/bin/psql/psqlrc.sample', to: 'psqlrc.sample' }];

export interface CompiledTree {
  /** the configured and compiled tree (in the cache) */
  buildDir: string;
  /** the `make install DESTDIR=` directory, and the prefix inside it */
  stage: string;
  stagePrefix: string;
  pgConfig: string;
  /** configure's arguments and the environment every make in the tree runs with */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** a warm cache (configured before), a tree seeded from a similar source's, or a cold one */
  origin: 'reused' | 'seeded' | 'cold';
}

/** Everything of a tree's key but where its source is (pure): configure and compiler flags, ICU, toolchain. */
export function compiledTreeFlagsKey(input: {
  major: number;
  icu: Pick<IcuChoice, 'prefix' | 'version'>;
  toolchain: Toolchain;
  source?: { dir?: string; offersLibseccomp?: boolean };
  /** compiled with -g (--keep-debug) */
  debug?: boolean;
  /** a cross build's platforms (its configure arguments, hence its key, differ) */
  target?: BuildTarget;
}): string {
  const { major, icu, toolchain } = input;
  const args = configureArgs({
    major,
    sourceDir: '',
    buildDir: '',
    icuPrefix: icu.prefix,
    libseccomp: input.source?.offersLibseccomp,
    target: input.target,
  });
  const flags = configureEnv({
    major,
    sourceDir: '<source>',
    buildDir: '<build>',
    icuPrefix: icu.prefix === undefined ? undefined : '<icu>',
    debug: input.debug,
    target: input.target,
  });
  return sha256(JSON.stringify({ major, args, flags, icu: icu.prefix ?? icu.version, toolchain })).slice(
    0,
    16,
  );
}

/**
 * The cache key of a compiled tree (pure): source location and revision, configure flags, compiler
 * flags (with the paths in them left out), ICU, and the toolchain (compiler, binutils, glibc).
 */
export function compiledTreeKey(
  input: Parameters<typeof compiledTreeFlagsKey>[0] & {
    source: Pick<ResolvedSource, 'dir' | 'revision'> & {
      spec?: Pick<ResolvedSource['spec'], 'kind'>;
      offersLibseccomp?: boolean;
    };
  },
): string {
  const { source } = input;
  // a directory keeps one tree whatever its revision: its snapshot is synced by content, so make
  // rebuilds what an edit reaches (a tree per edit would fill the disk)
  const revision = source.spec?.kind === 'dir' ? undefined : source.revision;
  return sha256(JSON.stringify({ dir: source.dir, revision, flags: compiledTreeFlagsKey(input) })).slice(
    0,
    16,
  );
}

/** Where the compiled tree of this source, flags, ICU and toolchain lives in the cache. */
export function compiledTreeDir(input: Parameters<typeof compiledTreeKey>[0] & { cacheDir: string }): string {
  return join(resolve(input.cacheDir), 'build', `v${input.major}-${compiledTreeKey(input)}`);
}

/**
 * A directory source (a checkout the user may edit) is compiled from a private snapshot beside its
 * tree, kept in step by content; tarball and Debian sources are extracted into the cache once and
 * compiled as they are.
 */
export function compiledSourceDir(source: Pick<ResolvedSource, 'spec' | 'dir'>, buildDir: string): string {
  // never under or beside the build directory's name: the compiler's prefix maps match strings, so
  // a build directory that prefixes the source path (`<build>.src`) left `..src/...` in the debug info
  return source.spec.kind === 'dir'
    ? join(dirname(dirname(buildDir)), 'snapshots', basename(buildDir))
    : source.dir;
}

interface TreeInput {
  major: number;
  source: ResolvedSource;
  icu: IcuChoice;
  toolchain: Toolchain;
  target?: BuildTarget;
  cacheDir: string;
  stage: string;
  logs: string;
  jobs: number;
  log: Logger;
  /** 'bundle' (default): only what the bundle needs; 'all': the whole tree (the dynamic build) */
  scope?: CompileScope;
  /** the ccache binary, or undefined to compile without it */
  ccache?: string;
  /** compile with -g (--keep-debug) */
  debug?: boolean;
}

/**
 * configure (unless the cached tree is configured or could be seeded), make, and make install into
 * `stage`. The caller holds the tree's lock (cache-lock.ts) until it is done with the tree.
 */
export async function compileAndStage(input: TreeInput): Promise<CompiledTree> {
  const { major, source, icu } = input;
  const buildDir = compiledTreeDir(input);
  const sourceDir = compiledSourceDir(source, buildDir);
  const cacheDir = resolve(input.cacheDir);
  const target = input.target;
  const cross = target && isCross(target) ? target : undefined;
  const front = compilerFrontDir(
    cacheDir,
    realCompiler('gcc'),
    cross && {
      name: binTools(cross).cc,
      real: realCompiler(binTools(cross).cc),
      flags: crossCompilerFlags(cross),
    },
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...configureEnv({ major, sourceDir, buildDir, icuPrefix: icu.prefix, debug: input.debug, target }),
    ...ccacheEnv(cacheDir, input.ccache),
    ...(cross ? crossEnv(cross) : {}),
    PATH: `${front}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
  const args = configureArgs({
    major,
    sourceDir,
    buildDir: '',
    icuPrefix: icu.prefix,
    libseccomp: source.offersLibseccomp,
    target,
  });
  const origin = await prepareTree(input, { buildDir, sourceDir, env, args });
  await makeAndStage(input, { buildDir, sourceDir, env });
  const stagePrefix = join(input.stage, unrelocatedPrefix(major));
  return {
    buildDir,
    stage: input.stage,
    stagePrefix,
    pgConfig: join(stagePrefix, 'bin', 'pg_config'),
    args,
    env,
    origin,
  };
}

interface TreePlace {
  buildDir: string;
  sourceDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * src/port and src/common build each file again as `x_srv.o` and `x_shlib.o` by rules that write no
 * dependency file: they are rebuilt only when `x.o` is, so a header only the backend variant
 * includes (miscadmin.h in pqsignal.c) would leave them stale. After any source change they go.
 */
export const UNTRACKED_VARIANTS = [/_srv\.o$/, /_shlib\.o$/];

function dropUntrackedVariants(buildDir: string): void {
  for (const dir of ['src/port', 'src/common']) {
    const full = join(buildDir, dir);
    if (!existsSync(full)) continue;
    for (const name of readdirSync(full))
      if (UNTRACKED_VARIANTS.some((re) => re.test(name))) rmSync(join(full, name), { force: true });
  }
}

/** A configured tree with the source's current content: reused, seeded, or configured cold. */
async function prepareTree(
  input: TreeInput,
  place: TreePlace & { args: string[] },
): Promise<CompiledTree['origin']> {
  const { source, log } = input;
  const { buildDir, sourceDir, env, args } = place;
  const v = `v${input.major}`;
  const record = (): void => {
    const configured: ConfiguredTree = {
      source: sourceDir,
      origin: source.dir,
      revision: source.revision,
      args,
      flagsKey: compiledTreeFlagsKey(input),
      layout: TREE_LAYOUT,
    };
    writeFileSync(join(buildDir, CONFIGURED_FILE), `${JSON.stringify(configured)}\n`);
  };
  const syncSource = (firstCopy = false) => {
    if (sourceDir === source.dir) return;
    // a first copy keeps the user's mtimes (a generated file left in a checkout stays older than
    // its input); later syncs give a changed file a new one, so make rebuilds what it reaches
    const { written, removed } = syncSnapshot(source.dir, sourceDir, firstCopy);
    log.info(`${v}: source snapshot ${sourceDir}: ${written.length} written, ${removed.length} removed`);
    if (written.length + removed.length > 0) dropUntrackedVariants(buildDir);
  };
  // a build killed between a relink and moving its binary out leaves that binary in the tree (or
  // in a tree seeded from it), newer than its objects: make would keep it. These two are always relinked.
  const dropRelinked = () => {
    for (const binary of RELINKED_IN_TREE) rmSync(join(buildDir, binary), { force: true });
  };
  if (existsSync(join(buildDir, CONFIGURED_FILE))) {
    log.info(`${v}: reusing the compiled tree in ${buildDir}`);
    dropRelinked();
    syncSource();
    record(); // in this layout now: a base other trees may seed from
    return 'reused';
  }
  const base =
    sourceDir === source.dir
      ? undefined
      : findSeedBase({
          cacheBuildDir: dirname(buildDir),
          major: input.major,
          flagsKey: compiledTreeFlagsKey(input),
          source: source.dir,
          exclude: buildDir,
        });
  if (base) {
    await log.step(
      `${v}: seed the tree from ${base.buildDir} (${base.differing} of ${base.total} source files differ)`,
      // under the base's lock: no build may be writing the objects being copied
      () =>
        withCacheLock(base.buildDir, log, () => seedTree(base, buildDir, sourceDir)).catch((err: unknown) => {
          // a half-seeded tree is no tree: the next build starts again
          for (const dir of [buildDir, sourceDir]) rmSync(dir, { recursive: true, force: true });
          throw err;
        }),
    );
    dropRelinked();
    syncSource();
    record();
    return 'seeded';
  }
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(sourceDir === source.dir ? buildDir : sourceDir, { recursive: true, force: true });
  mkdirSync(buildDir, { recursive: true });
  syncSource(true);
  await log.step(`${v}: configure`, () =>
    run(join(sourceDir, 'configure'), args, {
      cwd: buildDir,
      env,
      logFile: join(input.logs, 'configure.log'),
    }),
  );
  record();
  return 'cold';
}

/** make (the bundle's part, or all of it) and make install into the stage. */
async function makeAndStage(input: TreeInput, place: TreePlace): Promise<void> {
  const { major, icu, stage, logs, log } = input;
  const { buildDir, sourceDir, env } = place;
  const v = `v${major}`;
  const scope = input.scope ?? 'bundle';
  const icuArgs = icu.prefix ? [`ICU_LIBS=${staticIcuLibs(icu.prefix)}`] : [];
  const make = (dir: string, makeArgs: string[], logFile: string) =>
    run('make', ['-s', '-C', dir, ...TREE_MAKE_ARGS, ...makeArgs], {
      cwd: buildDir,
      env,
      logFile: join(logs, logFile),
    });
  await zeroCcacheStats(env);
  await log.step(
    `${v}: make -j${input.jobs} (${scope === 'all' ? 'the whole tree' : 'what the bundle needs'})`,
    async () => {
      if (scope === 'all') {
        await make('.', [`-j${input.jobs}`, ...icuArgs], 'make.log');
        // the top-level make leaves contrib/ out: the in-tree modules linked in (amcheck) are made too
        for (const dir of contribModuleDirs()) await make(dir, [`-j${input.jobs}`], 'make.log');
        return;
      }
      // the top-level make makes the generated headers first (make -C <dir> -j races with them)
      await make('src/backend', ['generated-headers'], 'make.log');
      for (const dir of bundleCompileDirs()) await make(dir, [`-j${input.jobs}`, ...icuArgs], 'make.log');
    },
  );
  const stats = await readCcacheStats(env);
  if (stats) log.info(`${v}: ccache ${stats.hits} hits, ${stats.misses} misses (${env.CCACHE_DIR})`);
  await log.step(`${v}: make install (staging)`, async () => {
    const install = [`DESTDIR=${stage}`];
    if (scope === 'all') {
      await make('.', ['install', ...install], 'install.log');
      for (const dir of contribModuleDirs()) await make(dir, ['install', ...install], 'install.log');
      return;
    }
    await make('src', ['install-local', ...install], 'install.log');
    for (const dir of bundleInstallDirs()) await make(dir, ['install', ...install], 'install.log');
    const share = join(stage, unrelocatedPrefix(major), 'share', 'postgresql');
    for (const f of SHARE_FILES_FROM_SOURCE) copyFileSync(join(sourceDir, f.from), join(share, f.to));
  });
}
