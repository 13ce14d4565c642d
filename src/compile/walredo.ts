import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import { packageRoot } from '../util/package-root';
import { buildPgxsModule, ModuleTools, PreparedModule } from './modules';
import { WalRedoMode } from './types';

/**
 * The walredo mode: 'fork' when the tree has its own --wal-redo (it is left alone), 'builtin'
 * (pg-bundle's module) for upstream trees, unless the user chose otherwise.
 */
export function chooseWalRedoMode(requested: string | undefined, treeHasWalRedo: boolean): WalRedoMode {
  if (requested === undefined || requested === '') return treeHasWalRedo ? 'fork' : 'builtin';
  if (requested !== 'builtin' && requested !== 'fork' && requested !== 'none') {
    throw new UserError(`--walredo '${requested}' is not a walredo mode`, "use 'builtin', 'fork' or 'none'");
  }
  if (requested === 'fork' && !treeHasWalRedo) {
    throw new UserError(
      '--walredo fork was requested, but this tree has no --wal-redo mode in src/backend/main/main.c',
      "use --walredo builtin (pg-bundle's module) or none",
    );
  }
  if (requested === 'builtin' && treeHasWalRedo) {
    throw new UserError(
      '--walredo builtin was requested, but this tree already has its own --wal-redo mode',
      'use --walredo fork (the default for such trees) and pass its walredo module with --module',
    );
  }
  return requested;
}

/**
 * The linked-in modules walredo loads (pure): pg-bundle's own in builtin mode; in fork mode the
 * modules given with --module (the fork's walredo module and what it loads); none without walredo.
 */
export function walRedoModules(
  mode: WalRedoMode,
  modules: readonly { name: string; origin: string }[],
): string[] {
  if (mode === 'none') return [];
  const wanted =
    mode === 'builtin'
      ? (origin: string) => origin === 'builtin'
      : (origin: string) => origin !== 'in-tree' && origin !== 'builtin';
  return modules.filter((m) => wanted(m.origin)).map((m) => m.name);
}

/**
 * The modules of --walredo-preload (comma-separated; pure): the linked-in modules walredo loads at
 * start as shared_preload_libraries would. The builtin walredo of a static bundle loads them from
 * its module table; a fork's walredo loads its own modules itself, so in fork mode the list
 * declares which ones it loads (the corpus server preloads them to write that WAL dialect, and
 * the manifest records them). The dynamic build has no module table.
 */
export function parseWalRedoPreload(
  text: string | undefined,
  mode: WalRedoMode,
  linkage = 'static',
): string[] {
  const names = (text ?? '').split(/[,\s]+/).filter(Boolean);
  if (names.length === 0) return [];
  if (mode === 'none')
    throw new UserError(
      "--walredo-preload needs a walredo, but the walredo mode is 'none'",
      'use --walredo builtin (or fork, for a tree with its own) or drop --walredo-preload',
    );
  if (linkage !== 'static')
    throw new UserError(
      '--walredo-preload works only for the static bundle (--linkage static)',
      'drop --walredo-preload for the dynamic comparison build',
    );
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UserError(`--walredo-preload names '${dup}' twice`, 'name each module once');
  return names;
}

export interface BuiltinWalRedoParts {
  modules: PreparedModule[];
  /** Objects linked into postgres as they are (the dispatch shim; it defines __wrap_* symbols) */
  objects: string[];
  wraps: string[];
}

export function builtinWalRedoDir(): string {
  return join(packageRoot(), 'modules', 'walredo');
}

/** Extra --wrap symbols the builtin walredo needs, from modules/walredo/link-flags.txt (pure). */
export function parseWrapList(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean)
    .map((l) => l.replace(/^-Wl,/, ''))
    .flatMap((l) => l.split(/[\s,]+/))
    .map((w) => w.replace(/^--wrap=/, ''))
    .filter((w) => w && w !== '-Wl');
}

/**
 * Builds pg-bundle's walredo module (modules/walredo) with PGXS against the staged tree. Its
 * objects are linked in like any module (renamed, served from the table as `pg_bundle_walredo`);
 * the dispatch shim (runtime/pgb_walredo_main.c, compiled by the same make against the tree's
 * headers) is linked as it is, with the --wrap flags of modules/walredo/link-flags.txt.
 */
export async function builtinWalRedo(
  pgConfig: string,
  workDir: string,
  log: Logger,
  jobs: number,
  tools?: ModuleTools,
): Promise<BuiltinWalRedoParts> {
  const dir = builtinWalRedoDir();
  const flagsFile = join(dir, 'link-flags.txt');
  if (!existsSync(join(dir, 'Makefile')) || !existsSync(flagsFile)) {
    throw new UserError(
      `pg-bundle's builtin walredo module is missing from ${dir}`,
      'reinstall pg-bundle, or build with --walredo none',
    );
  }
  const runtime = join(packageRoot(), 'runtime');
  // the dispatch shim is compiled by the module's make from a copy beside it (PGB_RUNTIME_DIR=.), so
  // no absolute path of this machine ends up in the objects
  const modules = await buildPgxsModule(
    dir,
    'builtin',
    pgConfig,
    workDir,
    log,
    jobs,
    tools,
    ['PGB_RUNTIME_DIR=.'],
    [join(runtime, 'pgb_walredo_main.c')],
  );
  const shim = join(workDir, 'pgxs', basename(dir), 'pgb_walredo_main.o');
  if (!existsSync(shim)) throw new Error(`the walredo build did not produce ${shim}`);
  return { modules, objects: [shim], wraps: parseWrapList(readFileSync(flagsFile, 'utf8')) };
}
