/**
 * The types the build stage's modules share, in one file that imports none of them, so that no
 * module of the stage imports another in a circle.
 */
import { Platform } from '../core/platform';
import { SourceSpec } from '../source/spec';
import { Logger } from '../util/logger';

/** 'static' (the bundle) or 'dynamic' (a conventional build for comparison, src/compile/dynamic.ts). */
export type Linkage = 'static' | 'dynamic';

/** What a static build compiles: 'bundle' (what the bundle needs) or 'all' (the whole tree; benchmarks). */
export type CompileScope = 'bundle' | 'all';

/** Where --wal-redo comes from: pg-bundle's builtin module, the fork's own, or none. */
export type WalRedoMode = 'builtin' | 'fork' | 'none';

export interface BuildRequest {
  versions: number[];
  sources: Map<number, SourceSpec>;
  out: string;
  cacheDir: string;
  modules: string[];
  icuSource?: string;
  icuSha256?: string;
  walredo?: WalRedoMode;
  /** --walredo-preload as given (comma-separated module names) */
  walredoPreload?: string;
  /** 'static' (the bundle; default) or 'dynamic' (a conventional build for comparison, src/compile/dynamic.ts) */
  linkage?: Linkage;
  /** what a static build compiles: 'bundle' (default) or 'all' (the whole tree, as before; benchmarks) */
  compileScope?: CompileScope;
  /** compile through ccache under the cache directory when it is installed (default true; benchmarks turn it off) */
  ccache?: boolean;
  locales: string[];
  keepDebug: boolean;
  installDeps: boolean;
  jobs: number;
  log: Logger;
  /** the platform to build for (--arch; default: this machine's): another one is cross-built */
  platform?: Platform;
}

export interface Toolchain {
  compiler: string;
  glibc: string;
  binutils: string;
}
