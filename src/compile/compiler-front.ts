/**
 * A `gcc` (and `cc`) in front of the real compiler that adds `-ffile-prefix-map` for the source and
 * build directories named by PGB_MAP_SOURCE and PGB_MAP_BUILD, and runs the compile through ccache
 * when PGB_CCACHE names it. configure records only the name `gcc`, so the bundle is the same
 * whatever the cache or out path and whether ccache served an object (pg_config's data in postgres
 * holds CC and CFLAGS as make saw them).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors';

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * The front's shell script for the real compiler at `real` (pure); `flags` go first on every
 * command line (a cross compiler's glibc choice: cross.ts crossCompilerFlags).
 */
export function compilerFrontScript(real: string, flags: readonly string[] = []): string {
  const quoted = shellQuote(real);
  const fixed = flags.map(shellQuote).join(' ');
  return [
    '#!/bin/sh',
    '# pg-bundle: maps build paths away without recording them (see src/compile/compiler-front.ts)',
    `set -- ${fixed ? `${fixed} ` : ''}\${PGB_MAP_SOURCE:+"-ffile-prefix-map=$PGB_MAP_SOURCE=."} \${PGB_MAP_BUILD:+"-ffile-prefix-map=$PGB_MAP_BUILD=."} "$@"`,
    `if [ -n "$PGB_CCACHE" ]; then exec "$PGB_CCACHE" ${quoted} "$@"; fi`,
    `exec ${quoted} "$@"`,
    '',
  ].join('\n');
}

/** A cross compiler's front: the name configure looks for, the real compiler, flags it always gets. */
export interface CrossFront {
  name: string;
  real: string;
  flags: readonly string[];
}

/**
 * Writes the fronts (once) into <cacheDir>/compiler-front and returns that directory, to put first
 * on PATH: `gcc` and `cc` for the machine's compiler, and a cross compiler's under its own name.
 */
export function compilerFrontDir(cacheDir: string, realGcc: string, cross?: CrossFront): string {
  const dir = join(cacheDir, 'compiler-front');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, script: string) => {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== script) writeFileSync(path, script);
    chmodSync(path, 0o755);
  };
  const script = compilerFrontScript(realGcc);
  for (const name of ['gcc', 'cc']) write(name, script);
  if (cross) write(cross.name, compilerFrontScript(cross.real, cross.flags));
  return dir;
}

/** The compiler `name` on PATH, passing over compiler fronts (a front must never call itself). */
export function realCompiler(name: string, path = process.env.PATH ?? '/usr/bin:/bin'): string {
  for (const dir of path.split(':')) {
    if (!dir || dir.endsWith('/compiler-front')) continue;
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new UserError(
    `no ${name} on PATH`,
    'install the build dependencies: pg-bundle doctor --install-deps',
  );
}
