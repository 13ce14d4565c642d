/** configure and link flags for a bundle build (pure). */

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
  return args;
}

/** Compiler flags configure records (they end up in pg_config's data inside the binaries): no paths. */
export const RECORDED_CFLAGS = '-O2 -g -fstack-protector-strong';

/**
 * The environment of configure and every make in the tree. Build paths are mapped to "." so they
 * do not leak into the objects; the map goes through COPT, which PostgreSQL's makefiles add at
 * build time and configure does not record, so the binaries do not depend on the cache or out path.
 */
export function configureEnv(input: ConfigureInput): Record<string, string> {
  const env: Record<string, string> = {
    CFLAGS: RECORDED_CFLAGS,
    COPT: `-ffile-prefix-map=${input.sourceDir}=. -ffile-prefix-map=${input.buildDir}=.`,
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
