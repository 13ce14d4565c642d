/**
 * What the static and the dynamic build of one version share: the work directories, the compiled
 * tree (compiled-tree.ts) and the manifest entry's common part.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { VersionManifest } from '../core/manifest';
import { manifestSource, ResolvedSource } from '../source/resolve';
import type { BuildRequest, Toolchain, WalRedoMode } from './types';
import { findCcache } from './ccache';
import { compileAndStage, CompiledTree } from './compiled-tree';
import { componentsFor, DebianPackages } from './components';
import { IcuChoice } from './icu';
import { BuildTarget, isCross } from './cross';
import { walRedoModules } from './walredo';

/** One version to build into `out`. */
export interface VersionJob {
  req: BuildRequest;
  out: string;
  major: number;
  source: ResolvedSource;
  walredo: WalRedoMode;
  /** linked-in modules walredo loads at start (--walredo-preload; builtin: from its table, fork: by itself) */
  walredoPreload: string[];
  icu: IcuChoice;
  toolchain: Toolchain;
  /** the build machine's Debian packages the static libraries come from, and gcc's major version */
  packages: DebianPackages;
  gccMajor: string;
  /** the platform built for, and this machine's */
  target: BuildTarget;
}

export interface StartedVersion {
  v: string;
  /** <out>/.build/vNN: scratch, removed when the version is done */
  work: string;
  /** <out>/logs/vNN: every tool's output */
  logs: string;
  tree: CompiledTree;
  startedAt: number;
}

/** Fresh work and log directories, then the compiled tree staged into <work>/stage. */
export async function startVersion(job: VersionJob): Promise<StartedVersion> {
  const startedAt = Date.now();
  const v = `v${job.major}`;
  const work = join(job.out, '.build', v);
  const logs = join(job.out, 'logs', v);
  rmSync(work, { recursive: true, force: true });
  rmSync(logs, { recursive: true, force: true });
  const tree = await compileAndStage({
    major: job.major,
    source: job.source,
    icu: job.icu,
    toolchain: job.toolchain,
    target: job.target,
    cacheDir: job.req.cacheDir,
    stage: join(work, 'stage'),
    logs,
    jobs: job.req.jobs,
    log: job.req.log,
    // the dynamic build ships the whole install (libpq, every module); the bundle only its part
    scope: job.req.linkage === 'dynamic' ? 'all' : (job.req.compileScope ?? 'bundle'),
    ccache: job.req.ccache === false ? undefined : findCcache(),
    debug: job.req.keepDebug,
  });
  return { v, work, logs, tree, startedAt };
}

/** Removes the scratch directory and returns the version's manifest entry. */
export function finishVersion(
  job: VersionJob,
  started: StartedVersion,
  parts: Pick<VersionManifest, 'linkage' | 'locales' | 'modules' | 'files'> & { linkLibs?: string[] },
): VersionManifest {
  rmSync(join(job.out, '.build'), { recursive: true, force: true });
  const { source, major, icu } = job;
  return {
    postgres: { version: source.version.full, major, catversion: source.catversion },
    source: manifestSource(source),
    linkage: parts.linkage,
    configureFlags: started.tree.args,
    compilerFlags: started.tree.env.CFLAGS,
    toolchain: job.toolchain,
    icu: { version: icu.version, origin: icu.origin },
    components: componentsFor(
      {
        major,
        linkLibs: parts.linkLibs ?? [],
        icu: { version: icu.version, fromSource: icu.prefix !== undefined },
        gccMajor: job.gccMajor,
        crossDebian: isCross(job.target) ? job.target.platform.debian : undefined,
      },
      job.packages,
    ),
    locales: parts.locales,
    modules: parts.modules,
    walredo: {
      mode: job.walredo,
      modules: [...new Set([...walRedoModules(job.walredo, parts.modules), ...(job.walredoPreload ?? [])])],
      ...(job.walredoPreload?.length ? { preload: job.walredoPreload } : {}),
    },
    files: parts.files,
    buildDurationSeconds: Math.round((Date.now() - started.startedAt) / 1000),
  };
}
