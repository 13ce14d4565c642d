/**
 * `--linkage dynamic`: a conventional ("pg_install"-style) build of the same source with the same
 * configure flags, for comparison (benchmarks). No static relink: bin/postgres and bin/initdb stay
 * dynamically linked as `make` produced them, lib/ holds libpq.so* as staged (symlinks kept), and
 * lib/postgresql/ holds the real shared modules of the staged install (plpgsql.so, dict_snowball.so,
 * ...). With the builtin walredo, its module is built and installed as a shared object, and postgres
 * is relinked (still dynamically) with the walredo main shim and its --wrap flags, because the
 * `--wal-redo` dispatch lives in the executable. The binaries find libpq and the host's ICU, glibc
 * and locales the usual way: LD_LIBRARY_PATH=<vNN>/lib, as the storage service passes it.
 * The compiled tree is the static build's (src/compile/compiled-tree.ts, same cache key): after one
 * linkage is built, the other only stages, relinks and assembles.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, posix, resolve } from 'node:path';
import { FileEntry, ModuleEntry, VersionManifest } from '../core/manifest';
import { UserError } from '../util/errors';
import { capture, run } from '../util/exec';
import { sha256File } from '../util/hash';
import { packageRoot } from '../util/package-root';
import { normaliseModes } from './assemble';
import { finishVersion, StartedVersion, startVersion, VersionJob } from './version-job';
import { TREE_MAKE_ARGS } from './compiled-tree';
import { wrapFlag } from './configure';
import { copyModuleTree, IN_TREE_MODULES, librariesOf, readMakeVars } from './modules';
import { builtinWalRedoDir, parseWrapList } from './walredo';
import { Linkage } from './types';

export function parseLinkage(text: string | undefined): Linkage {
  if (text === undefined || text === '' || text === 'static') return 'static';
  if (text === 'dynamic') return 'dynamic';
  throw new UserError(`--linkage '${text}' is not a linkage`, "use 'static' (the bundle) or 'dynamic'");
}

/** LDFLAGS_EX for the dynamic relink of postgres with the walredo shim (pure). */
export function dynamicWalRedoLinkFlags(shimObject: string, wraps: string[]): string {
  return [shimObject, wrapFlag(wraps)].join(' ');
}

/** Staged files of lib/ that a pg_install-style bundle keeps: libpq's shared library and its links (pure). */
export function isLibpqSharedName(name: string): boolean {
  return /^libpq\.so(\.\d+)*$/.test(name);
}

async function installStripped(
  source: string,
  target: string,
  how: '--strip-all' | '--strip-unneeded',
  debugDir: string | undefined,
): Promise<void> {
  if (debugDir) {
    mkdirSync(debugDir, { recursive: true });
    const debugFile = join(debugDir, `${target.replace(/^.*\//, '')}.debug`);
    await run('objcopy', ['--only-keep-debug', '--compress-debug-sections', source, debugFile]);
    await run('strip', [how, '-o', target, source]);
    await run('objcopy', [`--add-gnu-debuglink=${debugFile}`, target], { cwd: debugDir });
  } else {
    await run('strip', [how, '-o', target, source]);
  }
}

/** Copies the staged lib/: libpq.so* (links kept, the file stripped) and lib/postgresql/*.so (stripped). */
async function installLibraries(stageLib: string, targetLib: string, debugDir?: string): Promise<string[]> {
  mkdirSync(join(targetLib, 'postgresql'), { recursive: true });
  for (const name of readdirSync(stageLib).filter(isLibpqSharedName).sort()) {
    const src = join(stageLib, name);
    if (lstatSync(src).isSymbolicLink()) cpSync(src, join(targetLib, name), { verbatimSymlinks: true });
    else await installStripped(src, join(targetLib, name), '--strip-unneeded', debugDir);
  }
  const modules: string[] = [];
  const pkglib = join(stageLib, 'postgresql');
  for (const name of readdirSync(pkglib)
    .filter((n) => n.endsWith('.so'))
    .sort()) {
    await installStripped(
      join(pkglib, name),
      join(targetLib, 'postgresql', name),
      '--strip-unneeded',
      debugDir,
    );
    modules.push(name.replace(/\.so$/, ''));
  }
  return modules;
}

/**
 * Every file under root/prefix as a manifest entry. A symbolic link (libpq.so -> libpq.so.5.NN) is
 * listed with the sha256, size and mode of the file it points to, i.e. what reading the path gives.
 */
export async function listFilesFollowingLinks(root: string, prefix: string): Promise<FileEntry[]> {
  const paths: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const childRel = posix.join(rel, e.name);
      if (e.isDirectory()) await walk(childRel);
      else paths.push(childRel);
    }
  };
  await walk(prefix);
  paths.sort();
  const files: FileEntry[] = [];
  for (const path of paths) {
    const full = join(root, path);
    const st = await stat(full);
    files.push({
      path,
      sha256: await sha256File(full),
      size: st.size,
      mode: st.mode & 0o111 ? '0755' : '0644',
    });
  }
  return files;
}

async function countDynamicSymbols(sharedObject: string): Promise<number> {
  const out = await capture('nm', ['-D', '--defined-only', '--format=posix', sharedObject]);
  return out.split('\n').filter((l) => / [TDBRVWi] /.test(l)).length;
}

/** Builds one version the conventional way into <out>/vNN and returns its manifest entry. */
export async function buildDynamicVersion(job: VersionJob): Promise<VersionManifest> {
  // the same compiled tree (cache) as the static build: same source, same configure flags
  const started = await startVersion(job);
  const served: ServedModule[] = IN_TREE_MODULES.map((m) => ({ name: m.library, origin: 'in-tree' }));
  for (const dir of job.req.modules)
    served.push(...(await installPgxsModule(job, started, dir, `module:${dir}`)).served);
  const postgres =
    job.walredo === 'builtin'
      ? await relinkWithWalRedoDispatch(job, started, served)
      : join(started.tree.stagePrefix, 'bin/postgres');
  const installed = await assembleDynamic(job, started, postgres);
  const modules = await moduleEntries(job, started.v, served, installed);
  const files = await listFilesFollowingLinks(job.out, started.v);
  return finishVersion(job, started, { linkage: 'dynamic', locales: [], modules, files });
}

interface ServedModule {
  name: string;
  origin: string;
}

/** A PGXS module built and installed into the staged tree, as a pg_install would have it. */
async function installPgxsModule(
  job: VersionJob,
  started: StartedVersion,
  dir: string,
  origin: string,
  extra: string[] = [],
): Promise<{ copy: string; served: ServedModule[] }> {
  const { v, work, logs } = started;
  const { copy } = copyModuleTree(resolve(dir), work, job.req.log);
  const makeArgs = ['USE_PGXS=1', `PG_CONFIG=${started.tree.pgConfig}`, ...extra];
  await job.req.log.step(`${v}: build module ${dir} (PGXS, shared)`, async () => {
    await run('make', ['-C', copy, `-j${job.req.jobs}`, ...makeArgs], { logFile: join(logs, 'modules.log') });
    // no DESTDIR: the staged pg_config already reports the staged directories
    await run('make', ['-C', copy, 'install', ...makeArgs], { logFile: join(logs, 'modules.log') });
  });
  const libraries = librariesOf(await readMakeVars(copy, join(work, 'vars'), makeArgs));
  return { copy, served: libraries.map((lib) => ({ name: lib.name, origin })) };
}

/** postgres relinked (still dynamically) with the walredo dispatch; the module is dlopen()ed as in a fork's pg_install. */
async function relinkWithWalRedoDispatch(
  job: VersionJob,
  started: StartedVersion,
  served: ServedModule[],
): Promise<string> {
  const { v, work, logs } = started;
  const { buildDir, env } = started.tree;
  const dir = builtinWalRedoDir();
  const flagsFile = join(dir, 'link-flags.txt');
  const shimSource = join(packageRoot(), 'runtime', 'pgb_walredo_main.c');
  if (!existsSync(join(dir, 'Makefile')) || !existsSync(flagsFile) || !existsSync(shimSource))
    throw new UserError(
      `pg-bundle's builtin walredo module is missing from ${dir}`,
      'reinstall pg-bundle, or build with --walredo none',
    );
  const module = await installPgxsModule(job, started, dir, 'builtin', [
    `PGB_RUNTIME_DIR=${join(packageRoot(), 'runtime')}`,
  ]);
  served.push(...module.served);
  const flags = dynamicWalRedoLinkFlags(
    join(module.copy, 'pgb_walredo_main.o'),
    parseWrapList(readFileSync(flagsFile, 'utf8')),
  );
  const postgres = join(work, 'postgres.dynamic');
  await job.req.log.step(`${v}: relink postgres (dynamic) with the walredo dispatch`, async () => {
    rmSync(join(buildDir, 'src/backend/postgres'), { force: true });
    await run('make', ['-C', 'src/backend', ...TREE_MAKE_ARGS, 'postgres', `LDFLAGS_EX=${flags}`], {
      cwd: buildDir,
      env,
      logFile: join(logs, 'link-postgres.log'),
    });
    // moved out of the (cached) tree, so that a later make there relinks the ordinary binary
    renameSync(join(buildDir, 'src/backend/postgres'), postgres);
  });
  return postgres;
}

/** <out>/vNN: the stripped executables, share/postgresql and lib/ as staged; returns the installed modules. */
async function assembleDynamic(
  job: VersionJob,
  started: StartedVersion,
  postgres: string,
): Promise<string[]> {
  const { v } = started;
  const { stagePrefix } = started.tree;
  const target = join(job.out, v);
  const debugDir = job.req.keepDebug ? join(job.out, 'debug', v) : undefined;
  return job.req.log.step(`${v}: assemble ${target} (dynamic)`, async () => {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(join(target, 'bin'), { recursive: true });
    await installStripped(postgres, join(target, 'bin/postgres'), '--strip-all', debugDir);
    await installStripped(
      join(stagePrefix, 'bin/initdb'),
      join(target, 'bin/initdb'),
      '--strip-all',
      debugDir,
    );
    for (const b of ['postgres', 'initdb']) chmodSync(join(target, 'bin', b), 0o755);
    cpSync(join(stagePrefix, 'share', 'postgresql'), join(target, 'share', 'postgresql'), {
      recursive: true,
    });
    const modules = await installLibraries(join(stagePrefix, 'lib'), join(target, 'lib'), debugDir);
    normaliseModes(target);
    return modules;
  });
}

/** The manifest's module entries; every served module must have been installed. */
async function moduleEntries(
  job: VersionJob,
  v: string,
  served: ServedModule[],
  installed: string[],
): Promise<ModuleEntry[]> {
  const modules: ModuleEntry[] = [];
  for (const m of served) {
    if (!installed.includes(m.name))
      throw new Error(`${v}: module ${m.name} was not installed into lib/postgresql by the dynamic build`);
    const path = join(job.out, v, 'lib', 'postgresql', `${m.name}.so`);
    modules.push({ ...m, symbols: await countDynamicSymbols(path) });
  }
  return modules;
}
