/** configure and link flags for a bundle build (pure). */
import { BuildTarget, crossConfigureArgs } from './cross';
import { Platform } from '../core/platform';

/** The prefix compiled into the binaries. It never exists on a host: every look-up is relative to the executable. */
export function unrelocatedPrefix(major: number): string {
  return `/pg-bundle-unrelocated/v${major}`;
}

export interface ConfigureInput {
  major: number;
  sourceDir: string;
  buildDir: string;
  /** ICU built from source: its install prefix */
  icuPrefix?: string;
  /** the tree's configure offers --with-libseccomp (a fork's walredo sandbox): it is always given then */
  libseccomp?: boolean;
  /** compile with debug information (--keep-debug keeps it beside the stripped binaries) */
  debug?: boolean;
  /** a cross build's platforms (configure --host/--build); absent or native: none */
  target?: BuildTarget;
}

export function configureArgs(input: ConfigureInput): string[] {
  const args = [
    `--prefix=${unrelocatedPrefix(input.major)}`,
    '--with-icu',
    '--with-lz4',
    '--without-readline',
    '--disable-rpath',
  ];
  if (input.major >= 15) args.push('--with-zstd');
  if (input.libseccomp) args.push('--with-libseccomp');
  if (input.target) args.push(...crossConfigureArgs(input.target));
  return args;
}

/**
 * Compiler flags configure records (they end up in pg_config's data inside the binaries): no paths.
 * No -g: the bundle's binaries are stripped, and debug information costs about 30% of every
 * compile (src/backend/access of v14: 35.3 s with, 27.3 s without). --keep-debug compiles with -g.
 */
export const RECORDED_CFLAGS = '-O2 -fstack-protector-strong';
export const DEBUG_CFLAGS = '-O2 -g -fstack-protector-strong';

/**
 * Flags a platform needs for its bundle to behave as the others do (pure). AArch64's C `char` is
 * unsigned, x86-64's signed: PostgreSQL prints a constant's bytes as `char` values into the
 * catalogs' node trees (outDatum: `-21` on x86-64, `235` on AArch64 for the byte 0xeb), so initdb
 * wrote 21 different catalog files, and code that compares `char`s (pg_trgm, ltree) orders
 * differently. -fsigned-char makes them identical; pg_config records it, so PGXS modules get it too.
 */
export function platformCFlags(platform: Pick<Platform, 'arch'> | undefined): string[] {
  return platform?.arch === 'aarch64' ? ['-fsigned-char'] : [];
}

/** The CFLAGS a bundle for `platform` is compiled with (recorded in pg_config and the manifest; pure). */
export function compilerFlags(platform: Pick<Platform, 'arch'> | undefined, debug = false): string {
  return [debug ? DEBUG_CFLAGS : RECORDED_CFLAGS, ...platformCFlags(platform)].join(' ');
}

/**
 * The environment of configure and every make in the tree. Build paths must not leak into the
 * binaries, yet any flag given to configure or make (CFLAGS, COPT, ...) is compiled into postgres's
 * pg_config data. So the maps are applied by the `gcc` that compiler-front.ts puts first on PATH,
 * from PGB_MAP_SOURCE and PGB_MAP_BUILD, which nothing records.
 */
export function configureEnv(input: ConfigureInput): Record<string, string> {
  const env: Record<string, string> = {
    CFLAGS: compilerFlags(input.target?.platform, input.debug),
    PGB_MAP_SOURCE: input.sourceDir,
    PGB_MAP_BUILD: input.buildDir,
  };
  if (input.icuPrefix) {
    env.ICU_CFLAGS = `-I${input.icuPrefix}/include`;
    // ICU built from source is static only: its C++ runtime must follow it on every link line
    env.ICU_LIBS = `-L${input.icuPrefix}/lib -licui18n -licuuc -licudata -lstdc++ -lm`;
  }
  return env;
}

/** ICU (C++) needs libstdc++ and libm after it on a static link line. */
export function staticIcuLibs(icuPrefix?: string): string {
  return `${icuPrefix ? `-L${icuPrefix}/lib ` : ''}-licui18n -licuuc -licudata -lstdc++ -lm -lpthread`;
}

/** Functions wrapped at link time, and the runtime object that implements each group. */
export const BACKEND_WRAPS = [
  'dlopen',
  'dlsym',
  'dlerror',
  'dlclose',
  'popen',
  'pclose',
  'system',
  'pg_strong_random',
];
export const FRONTEND_WRAPS = ['popen', 'pclose', 'system', 'pg_strong_random'];

export function wrapFlag(symbols: string[]): string {
  return `-Wl,${symbols.map((s) => `--wrap=${s}`).join(',')}`;
}

/** The LDFLAGS_EX value for a static relink: objects to add, then the wraps. */
export function staticLinkFlags(objects: string[], wraps: string[]): string {
  return ['-static', ...objects, wrapFlag(wraps)].join(' ');
}
