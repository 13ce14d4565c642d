import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../util/errors';
import { capture, run } from '../util/exec';
import { Logger } from '../util/logger';
import { LinkedModule, parseNmDefinedGlobals, redefineSymsFile } from './module-table';
import { runtimeDir } from './runtime';
import { BinTools } from './cross';

/** The binutils that merge and rename a module's objects (a cross build's for another platform). */
export type ModuleTools = Pick<BinTools, 'ld' | 'nm' | 'objcopy'>;
export const NATIVE_TOOLS: ModuleTools = { ld: 'ld', nm: 'nm', objcopy: 'objcopy' };

/** A module as its Makefile describes it. */
export interface ModuleMakeVars {
  NAME: string;
  MODULE_big: string;
  MODULES: string;
  OBJS: string;
  SHLIB_LINK: string;
  SHLIB_LINK_INTERNAL: string;
}

const PRINT_VARS_MAKEFILE = `pgb-print-vars:
\t@echo 'NAME=$(strip $(NAME))'
\t@echo 'MODULE_big=$(strip $(MODULE_big))'
\t@echo 'MODULES=$(strip $(MODULES))'
\t@echo 'OBJS=$(strip $(OBJS))'
\t@echo 'SHLIB_LINK=$(strip $(SHLIB_LINK))'
\t@echo 'SHLIB_LINK_INTERNAL=$(strip $(SHLIB_LINK_INTERNAL))'
`;

export function parseMakeVars(output: string): ModuleMakeVars {
  const vars: Record<string, string> = {};
  for (const line of output.split('\n')) {
    const m = /^(NAME|MODULE_big|MODULES|OBJS|SHLIB_LINK|SHLIB_LINK_INTERNAL)=(.*)$/.exec(line.trim());
    if (m) vars[m[1]] = m[2].trim();
  }
  return {
    NAME: vars.NAME ?? '',
    MODULE_big: vars.MODULE_big ?? '',
    MODULES: vars.MODULES ?? '',
    OBJS: vars.OBJS ?? '',
    SHLIB_LINK: vars.SHLIB_LINK ?? '',
    SHLIB_LINK_INTERNAL: vars.SHLIB_LINK_INTERNAL ?? '',
  };
}

/** Which libraries a module directory builds and from which objects (pure). */
export function librariesOf(vars: ModuleMakeVars): { name: string; objects: string[] }[] {
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const library = vars.NAME || vars.MODULE_big;
  const result: { name: string; objects: string[] }[] = [];
  if (library) result.push({ name: library, objects: words(vars.OBJS) });
  for (const m of words(vars.MODULES)) result.push({ name: m, objects: [`${m}.o`] });
  return result;
}

/** Link flags a module asks for (e.g. -lseccomp), without the ones that only make sense for shared objects. */
export function moduleLinkLibs(vars: ModuleMakeVars): string[] {
  return [...vars.SHLIB_LINK.split(/\s+/), ...vars.SHLIB_LINK_INTERNAL.split(/\s+/)].filter((w) =>
    /^-[lL]/.test(w),
  );
}

/**
 * Sibling directories a module's sources include from beside it (`#include "../neon/x.h"`), each
 * with the first file named (pure). A storage service's walredo module shares a header this way.
 */
export function siblingIncludes(sources: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const text of sources)
    for (const m of text.matchAll(/^\s*#\s*include\s+"\.\.\/([^/".][^/"]*)\/([^"]+)"/gm))
      if (!found.has(m[1])) found.set(m[1], m[2]);
  return found;
}

/** The C sources and headers of a module directory (its own files, not subdirectories). */
function moduleSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && /\.(c|h)$/.test(e.name))
    .map((e) => readFileSync(join(dir, e.name), 'utf8'));
}

export interface PreparedModule extends LinkedModule {
  origin: string;
  /** sibling directories built with it (its sources include "../<dir>/...") */
  siblings?: string[];
  /** The merged object with renamed symbols, ready for the link */
  object: string;
  linkLibs: string[];
}

export async function readMakeVars(
  dir: string,
  workDir: string,
  makeArgs: string[] = [],
): Promise<ModuleMakeVars> {
  mkdirSync(workDir, { recursive: true });
  const mk = join(workDir, 'pgb-print-vars.mk');
  writeFileSync(mk, PRINT_VARS_MAKEFILE);
  const out = await capture('make', [
    '-s',
    '-C',
    dir,
    '-f',
    'Makefile',
    '-f',
    mk,
    ...makeArgs,
    'pgb-print-vars',
  ]);
  return parseMakeVars(out);
}

/**
 * Merges a built library's objects (ld -r) and renames its global symbols per module
 * (objcopy --redefine-syms), so it can be linked into the static postgres next to other modules.
 */
export async function prepareModule(
  name: string,
  objects: string[],
  origin: string,
  linkLibs: string[],
  workDir: string,
  tools: ModuleTools = NATIVE_TOOLS,
): Promise<PreparedModule> {
  mkdirSync(workDir, { recursive: true });
  for (const o of objects) {
    if (!existsSync(o))
      throw new UserError(
        `module ${name}: object ${o} was not built`,
        'check that the module builds with PGXS against this tree',
      );
  }
  const merged = join(workDir, `${name}.merged.o`);
  const renamed = join(workDir, `${name}.o`);
  await run(tools.ld, ['-r', '-o', merged, ...objects]);
  const symbols = parseNmDefinedGlobals(
    await capture(tools.nm, ['-g', '--defined-only', '--format=posix', merged]),
  );
  const module: LinkedModule = { name, symbols };
  const symsFile = join(workDir, `${name}.redefine-syms`);
  writeFileSync(symsFile, redefineSymsFile(module));
  await run(tools.objcopy, [`--redefine-syms=${symsFile}`, merged, renamed]);
  rmSync(merged);
  return { ...module, origin, object: renamed, linkLibs };
}

/**
 * The modules linked in from the tree itself: plpgsql (CREATE EXTENSION) and dict_snowball
 * (snowball_create.sql) for initdb; amcheck for `compare`, which checks the old server's indexes
 * under the new server (bt_index_check).
 */
export const IN_TREE_MODULES = [
  { dir: 'src/pl/plpgsql/src', library: 'plpgsql' },
  { dir: 'src/backend/snowball', library: 'dict_snowball' },
  { dir: 'contrib/amcheck', library: 'amcheck' },
];

export async function prepareInTreeModules(
  buildDir: string,
  workDir: string,
  tools: ModuleTools = NATIVE_TOOLS,
): Promise<PreparedModule[]> {
  const result: PreparedModule[] = [];
  for (const m of IN_TREE_MODULES) {
    const dir = join(buildDir, m.dir);
    const vars = await readMakeVars(dir, workDir);
    const lib = librariesOf(vars).find((l) => l.name === m.library);
    if (!lib)
      throw new Error(
        `${m.dir}/Makefile no longer builds ${m.library}; pg-bundle needs updating for this tree`,
      );
    result.push(
      await prepareModule(
        lib.name,
        lib.objects.map((o) => join(dir, o)),
        'in-tree',
        moduleLinkLibs(vars),
        join(workDir, 'modules'),
        tools,
      ),
    );
  }
  return result;
}

/**
 * Builds an external module directory with PGXS against the staged install of the same tree (in a
 * copy, so the user's directory is not touched) and prepares each library it builds.
 */
/**
 * Copies a module's directory under <workDir>/pgxs to build it there: alone to pgxs/<name> (callers
 * find its objects there), or, when its sources include "../<sibling>/...", to pgxs/<parent>/<name>
 * beside copies of those siblings, as they stand; a missing sibling is one line.
 */
export function copyModuleTree(
  src: string,
  workDir: string,
  log: Logger,
): { copy: string; siblings: Map<string, string> } {
  const siblings = siblingIncludes(moduleSources(src));
  for (const [sibling, file] of siblings)
    if (!existsSync(join(dirname(src), sibling, file)))
      throw new UserError(
        `module ${basename(src)} includes "../${sibling}/${file}", which is not beside it (${join(dirname(src), sibling, file)} does not exist)`,
        `pass the module from a checkout that has ${sibling}/ next to ${basename(src)}/`,
      );
  const copyRoot = siblings.size
    ? join(workDir, 'pgxs', basename(dirname(src)) || 'root')
    : join(workDir, 'pgxs');
  const copy = join(copyRoot, basename(src));
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copyRoot, { recursive: true });
  cpSync(src, copy, { recursive: true });
  for (const sibling of siblings.keys()) {
    rmSync(join(copyRoot, sibling), { recursive: true, force: true });
    cpSync(join(dirname(src), sibling), join(copyRoot, sibling), { recursive: true });
    log.info(
      `module ${basename(src)}: built with its sibling directory ${sibling}/ (it includes from there)`,
    );
  }
  return { copy, siblings };
}

export async function buildPgxsModule(
  dir: string,
  origin: string,
  pgConfig: string,
  workDir: string,
  log: Logger,
  jobs: number,
  tools: ModuleTools = NATIVE_TOOLS,
  extraMakeArgs: string[] = [],
  /** files copied into the module's build copy (e.g. a shared source the Makefile expects beside it) */
  extraFiles: string[] = [],
): Promise<PreparedModule[]> {
  const src = resolve(dir);
  if (!existsSync(join(src, 'Makefile')))
    throw new UserError(
      `module directory ${src} has no Makefile`,
      'pass a PGXS module directory (with a Makefile using PGXS) to --module',
    );
  const { copy, siblings } = copyModuleTree(src, workDir, log);
  for (const file of extraFiles) cpSync(file, join(copy, basename(file)));
  // COPT maps the copy's path away, so the module's debug info (and the binary's build ID) do not depend on it
  const makeArgs = [
    'USE_PGXS=1',
    `PG_CONFIG=${pgConfig}`,
    `COPT=-ffile-prefix-map=${copy}=. -ffile-prefix-map=${runtimeDir()}=runtime -ffile-prefix-map=${dirname(dirname(pgConfig))}=pg-install`,
    ...extraMakeArgs,
  ];
  await log.step(`build module ${basename(src)} (PGXS)`, () =>
    run('make', ['-C', copy, `-j${jobs}`, ...makeArgs], {
      logFile: join(workDir, 'logs', `module-${basename(src)}.log`),
    }),
  );
  const vars = await readMakeVars(copy, workDir, makeArgs);
  const libraries = librariesOf(vars);
  if (libraries.length === 0)
    throw new UserError(
      `module directory ${src} builds no library (no MODULE_big, MODULES or NAME)`,
      'use a PGXS Makefile that builds a loadable module',
    );
  const result: PreparedModule[] = [];
  for (const lib of libraries) {
    result.push({
      ...(await prepareModule(
        lib.name,
        lib.objects.map((o) => join(copy, o)),
        origin,
        moduleLinkLibs(vars),
        join(workDir, 'modules'),
        tools,
      )),
      ...(siblings.size ? { siblings: [...siblings.keys()] } : {}),
    });
  }
  return result;
}
