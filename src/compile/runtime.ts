import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { run } from '../util/exec';
import { packageRoot } from '../util/package-root';
import { generateModuleTable, LinkedModule } from './module-table';

export function runtimeDir(): string {
  return join(packageRoot(), 'runtime');
}

export interface RuntimeObjects {
  /** linked into postgres */
  backend: string[];
  /** linked into initdb */
  frontend: string[];
}

/**
 * Paths of the work directory and of pg-bundle itself are mapped away (-ffile-prefix-map), so the
 * debug info, and with it the binary's build ID, does not depend on where the build ran.
 */
async function compile(
  source: string,
  object: string,
  workDir: string,
  cc: string,
  cflags: readonly string[] = [],
): Promise<string> {
  const maps = [`-ffile-prefix-map=${workDir}=.`, `-ffile-prefix-map=${runtimeDir()}=runtime`];
  // compiled from the source's own directory by its base name: the object's file symbol then
  // holds no absolute path either
  await run(
    cc,
    [
      '-O2',
      '-g',
      '-Wall',
      '-fno-common',
      ...cflags,
      ...maps,
      `-I${runtimeDir()}`,
      '-c',
      '-o',
      object,
      basename(source),
    ],
    {
      cwd: dirname(source),
    },
  );
  return object;
}

/**
 * v18+ name libpgcommon's encoding functions *_private (src/include/mb/pg_wchar.h); libpq.a then
 * needs the public names, which only libpgcommon_shlib.a has (pure check of the header text).
 */
export function needsLibpqEncodingForwarders(pgWcharHeader: string): boolean {
  return /#define\s+pg_encoding_to_char\s+pg_encoding_to_char_private/.test(pgWcharHeader);
}

/** Compiles the runtime shims and the generated module table. */
export async function compileRuntime(
  modules: LinkedModule[],
  workDir: string,
  options: {
    libpqEncodingForwarders?: boolean;
    walredoPreload?: string[];
    /** the compiler, and the platform's flags (configure.ts platformCFlags) */
    cc?: string;
    cflags?: string[];
  } = {},
): Promise<RuntimeObjects> {
  const cc = options.cc ?? 'gcc';
  const cflags = options.cflags ?? [];
  const dir = join(workDir, 'runtime');
  mkdirSync(dir, { recursive: true });
  const rt = runtimeDir();
  const table = join(dir, 'pgb_module_table.c');
  writeFileSync(table, generateModuleTable(modules, options.walredoPreload));
  const obj = (name: string) => join(dir, `${name}.o`);
  const dl = await compile(join(rt, 'pgb_dl.c'), obj('pgb_dl'), workDir, cc, cflags);
  const exec = await compile(join(rt, 'pgb_exec.c'), obj('pgb_exec'), workDir, cc, cflags);
  const locpath = await compile(join(rt, 'pgb_locpath.c'), obj('pgb_locpath'), workDir, cc, cflags);
  const random = await compile(join(rt, 'pgb_random.c'), obj('pgb_random'), workDir, cc, cflags);
  const tableObj = await compile(table, obj('pgb_module_table'), workDir, cc, cflags);
  const frontend = [exec, locpath, random];
  if (options.libpqEncodingForwarders)
    frontend.push(
      await compile(join(rt, 'pgb_libpq_encoding.c'), obj('pgb_libpq_encoding'), workDir, cc, cflags),
    );
  return { backend: [dl, exec, locpath, random, tableObj], frontend };
}
