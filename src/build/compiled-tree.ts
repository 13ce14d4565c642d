/**
 * The compiled PostgreSQL tree, shared by the static and the dynamic build. It is kept in the cache,
 * keyed by source and configure flags: a second build of the same source (either linkage) only runs
 * an incremental `make` and the staging install. Binaries relinked for a bundle are moved out of the
 * tree, so the tree always holds the ordinary ones `make` produced.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ResolvedSource } from '../source/resolve';
import { run } from '../util/exec';
import { sha256 } from '../util/hash';
import { Logger } from '../util/logger';
import { compilerFrontDir, realCompiler } from './compiler-front';
import { configureArgs, configureEnv, staticIcuLibs, unrelocatedPrefix } from './configure';
import type { Toolchain } from './build';
import { IcuChoice } from './icu';

/** Binaries that builds relink in the tree with their own flags before moving them out. */
export const RELINKED_IN_TREE = ['src/backend/postgres', 'src/bin/initdb/initdb'];

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
  /** whether configure and the full compile were already done (a warm cache) */
  reused: boolean;
}

/**
 * The cache key of a compiled tree (pure): source location and revision, configure flags, compiler
 * flags (with the paths in them left out), ICU, and the toolchain (compiler, binutils, glibc).
 */
export function compiledTreeKey(input: {
  major: number;
  source: Pick<ResolvedSource, 'dir' | 'revision'>;
  icu: Pick<IcuChoice, 'prefix' | 'version'>;
  toolchain: Toolchain;
}): string {
  const { major, source, icu, toolchain } = input;
  const args = configureArgs({ major, sourceDir: source.dir, buildDir: '', icuPrefix: icu.prefix });
  const flags = configureEnv({
    major,
    sourceDir: '<source>',
    buildDir: '<build>',
    icuPrefix: icu.prefix === undefined ? undefined : '<icu>',
  });
  return sha256(
    JSON.stringify({
      dir: source.dir,
      revision: source.revision,
      args,
      flags,
      icu: icu.prefix ?? icu.version,
      toolchain,
    }),
  ).slice(0, 16);
}

/** Where the compiled tree of this source, flags, ICU and toolchain lives in the cache. */
export function compiledTreeDir(input: Parameters<typeof compiledTreeKey>[0] & { cacheDir: string }): string {
  return join(resolve(input.cacheDir), 'build', `v${input.major}-${compiledTreeKey(input)}`);
}

/**
 * configure (unless the cached tree is configured), make, and make install into `stage`. The caller
 * holds the tree's lock (cache-lock.ts) until it is done with the tree.
 */
export async function compileAndStage(input: {
  major: number;
  source: ResolvedSource;
  icu: IcuChoice;
  toolchain: Toolchain;
  cacheDir: string;
  stage: string;
  logs: string;
  jobs: number;
  log: Logger;
}): Promise<CompiledTree> {
  const { major, source, icu, stage, logs, log } = input;
  const v = `v${major}`;
  const args = configureArgs({ major, sourceDir: source.dir, buildDir: '', icuPrefix: icu.prefix });
  const buildDir = compiledTreeDir(input);
  const front = compilerFrontDir(input.cacheDir, realCompiler('gcc'));
  const env = {
    ...process.env,
    ...configureEnv({ major, sourceDir: source.dir, buildDir, icuPrefix: icu.prefix }),
    PATH: `${front}:${process.env.PATH ?? '/usr/bin:/bin'}`,
  };
  const configured = join(buildDir, '.pg-bundle-configured');
  const reused = existsSync(configured);
  if (reused) {
    log.info(`${v}: reusing the compiled tree in ${buildDir}`);
    // a build killed between a relink and moving its binary out leaves that binary in the tree,
    // newer than its objects: make would keep it and stage it. These two are always relinked.
    for (const binary of RELINKED_IN_TREE) rmSync(join(buildDir, binary), { force: true });
  } else {
    rmSync(buildDir, { recursive: true, force: true });
    mkdirSync(buildDir, { recursive: true });
    await log.step(`${v}: configure`, () =>
      run(join(source.dir, 'configure'), args, { cwd: buildDir, env, logFile: join(logs, 'configure.log') }),
    );
    writeFileSync(configured, `${JSON.stringify({ source: source.dir, revision: source.revision, args })}\n`);
  }
  await log.step(`${v}: make -j${input.jobs}`, () =>
    run('make', ['-s', `-j${input.jobs}`, ...(icu.prefix ? [`ICU_LIBS=${staticIcuLibs(icu.prefix)}`] : [])], {
      cwd: buildDir,
      env,
      logFile: join(logs, 'make.log'),
    }),
  );
  await log.step(`${v}: make install (staging)`, () =>
    run('make', ['-s', 'install', `DESTDIR=${stage}`], {
      cwd: buildDir,
      env,
      logFile: join(logs, 'install.log'),
    }),
  );
  const stagePrefix = join(stage, unrelocatedPrefix(major));
  return { buildDir, stage, stagePrefix, pgConfig: join(stagePrefix, 'bin', 'pg_config'), args, env, reused };
}
