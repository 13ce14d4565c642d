import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { CheckResult } from '../../core/manifest';
import { absolutePathStrings, compiledLookupDirs, leakedPaths, sourceDirOfSpec } from '../build-paths';
import {
  canaryLoads,
  ElfFacts,
  isElf,
  minKernelProblem,
  parseElf,
  stackProtectorFlag,
  staticProblems,
} from '../elf';
import { LEGACY_PLATFORM_ID, PLATFORMS, platformByElfMachine, platformById } from '../../core/platform';
import { fail, listSome, pass, VersionContext, versionManifest } from './context';

export const ELF_STATIC = 'elf-static';
export const ELF_MIN_KERNEL = 'elf-min-kernel';
export const ELF_MACHINE = 'elf-machine';
const X86_64_MACHINE = platformById('linux-x86_64')!.elfMachine;
export const NO_BUILD_PATHS = 'no-build-paths';
export const HARDENING = 'hardening';
/** The oldest kernel the bundle must run on. */
export const MAX_MIN_KERNEL = [5, 10, 0];

interface ScannedElf {
  path: string;
  facts?: ElfFacts;
  /** the -fstack-protector flag compiled into it (postgres's pg_config data), and its canary loads */
  stackProtector?: string;
  canaryLoads?: number;
  error?: string;
  paths: string[];
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
    const child = posix.join(rel, e.name);
    if (e.isDirectory()) await walk(root, child, out);
    else if (e.isFile()) out.push(child);
  }
}

/** Reads every ELF file under vNN/ once: its facts and the absolute paths it contains. */
export async function scanElfFiles(bundleDir: string, dir: string): Promise<ScannedElf[]> {
  const files: string[] = [];
  if (existsSync(join(bundleDir, dir))) await walk(bundleDir, dir, files);
  const scanned: ScannedElf[] = [];
  for (const path of files.sort()) {
    const buf = readFileSync(join(bundleDir, path));
    if (!isElf(buf)) continue;
    try {
      const facts = parseElf(buf);
      scanned.push({
        path,
        facts,
        stackProtector: stackProtectorFlag(buf),
        // the byte pattern is x86-64's; AArch64 loads __stack_chk_guard by address (not counted)
        canaryLoads: facts.machine === X86_64_MACHINE ? canaryLoads(buf) : undefined,
        paths: absolutePathStrings(buf),
      });
    } catch (err) {
      scanned.push({ path, error: (err as Error).message, paths: [] });
    }
  }
  return scanned;
}

export function checkElfStatic(ctx: VersionContext, elfs: ScannedElf[]): CheckResult {
  if (elfs.length === 0)
    return fail(
      ELF_STATIC,
      `no ELF files under ${ctx.dir}/ (expected ${ctx.dir}/bin/initdb and ${ctx.dir}/bin/postgres)`,
    );
  const problems: string[] = [];
  for (const e of elfs) {
    if (e.error) problems.push(`${e.path}: ${e.error}`);
    else {
      const p = staticProblems(e.facts!);
      if (p.length > 0) problems.push(`${e.path}: not static: ${p.join(', ')}`);
    }
  }
  if (problems.length > 0) return fail(ELF_STATIC, listSome(problems));
  return pass(
    ELF_STATIC,
    `${elfs.length} ELF files, all static (no PT_INTERP, DT_NEEDED, RPATH or RUNPATH): ${elfs.map((e) => e.path).join(', ')}`,
  );
}

/**
 * Every ELF file is built for the platform the manifest names (pure): an x86-64 bundle carries no
 * AArch64 object and the reverse (a cross build that picked up a host archive would).
 */
export function checkElfMachine(
  ctx: VersionContext,
  elfs: ScannedElf[],
  platformId: string | undefined,
): CheckResult {
  const want = platformById(platformId ?? LEGACY_PLATFORM_ID);
  if (!want)
    return fail(
      ELF_MACHINE,
      `the manifest's platform ${platformId} is not one pg-bundle builds (${PLATFORMS.map((p) => p.id).join(', ')})`,
    );
  const parsed = elfs.filter((e) => e.facts);
  const wrong = parsed
    .filter((e) => e.facts!.machine !== want.elfMachine)
    .map(
      (e) => `${e.path}: ${platformByElfMachine(e.facts!.machine)?.label ?? `e_machine ${e.facts!.machine}`}`,
    );
  if (wrong.length > 0)
    return fail(ELF_MACHINE, `not built for ${want.label} (${want.id}): ${listSome(wrong)}`);
  if (parsed.length === 0) return fail(ELF_MACHINE, `no readable ELF files under ${ctx.dir}/`);
  const assumed = platformId ? '' : ' (the manifest names no platform: x86-64 assumed)';
  return pass(
    ELF_MACHINE,
    `${parsed.length} ELF files, all ${want.label} (e_machine ${want.elfMachine}), as the platform ${want.id} says${assumed}`,
  );
}

export function checkElfMinKernel(ctx: VersionContext, elfs: ScannedElf[]): CheckResult {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of elfs) {
    if (!e.facts) continue;
    const p = minKernelProblem(e.facts, MAX_MIN_KERNEL);
    if (p) problems.push(`${e.path}: ${p}`);
    seen.add(e.facts.abiTag ? e.facts.abiTag.kernel.join('.') : 'no ABI note');
  }
  if (problems.length > 0) return fail(ELF_MIN_KERNEL, listSome(problems));
  if (elfs.length === 0) return fail(ELF_MIN_KERNEL, `no ELF files under ${ctx.dir}/`);
  return pass(ELF_MIN_KERNEL, `minimum kernel ${[...seen].join(', ')} (limit ${MAX_MIN_KERNEL.join('.')})`);
}

/**
 * The hardening of the executables (pure): a non-executable stack everywhere, and postgres compiled
 * with the stack protector (its pg_config data names the flag; the whole tree shares configure's
 * flags), so a record that overflows a redo routine's stack buffer aborts instead of silently
 * corrupting memory. RELRO, PIE and the canary checks per binary are reported.
 */
export function checkHardening(ctx: VersionContext, elfs: ScannedElf[]): CheckResult {
  const executables = elfs.filter((e) => e.facts?.type === 'executable' || e.facts?.type === 'shared');
  const postgres = executables.find((e) => e.path === `${ctx.dir}/bin/postgres`);
  if (!postgres) return fail(HARDENING, `${ctx.dir}/bin/postgres is not an ELF executable`);
  const problems = executables
    .filter((e) => e.facts!.executableStack)
    .map((e) => `${e.path}: executable stack (no PT_GNU_STACK without PF_X)`);
  if (!postgres.stackProtector)
    problems.push(
      `${postgres.path}: not compiled with -fstack-protector-strong (its compiler flags do not name it)`,
    );
  const facts = executables.map(
    (e) =>
      `${e.path}: ${e.facts!.executableStack ? 'executable' : 'non-executable'} stack, ${e.facts!.relro ? 'RELRO' : 'no RELRO'}, ${e.facts!.type === 'shared' ? 'PIE' : 'not PIE'}, ${e.canaryLoads === undefined ? 'canary checks not counted on this architecture' : `${e.canaryLoads} canary checks`}`,
  );
  if (problems.length > 0) return fail(HARDENING, listSome(problems));
  return pass(HARDENING, `compiled with ${postgres.stackProtector}; ${facts.join('; ')}`);
}

/**
 * The hardening check with walredo's sandbox added, once the walredo stage has measured it (pure).
 * Both walredos are written to run in a seccomp filter: the storage service's neon_walredo (fork
 * mode) and pg-bundle's builtin one (modules/walredo/walredo_sandbox.c). A fork walredo must show
 * the filter on and stop the forbidden call (a relation-map record whose redo opens a file); the
 * builtin one does not replay relation-map records (the storage service applies them), so for it
 * the filter being on is what is measured. Either without it fails the check.
 */
export function withWalRedoSandbox(
  check: CheckResult,
  mode: string,
  sandbox: { seccomp?: number; forbiddenCall: string; active: boolean } | undefined,
): CheckResult {
  if (check.name !== HARDENING || mode === 'none') return check;
  if (!sandbox)
    return {
      ...check,
      status: 'fail',
      detail: `${check.detail}; walredo's seccomp sandbox was not measured`,
    };
  const seen = `walredo seccomp ${sandbox.seccomp ?? 'unknown'} (/proc/<pid>/status), ${sandbox.forbiddenCall}`;
  const on = mode === 'fork' ? sandbox.active : sandbox.seccomp === 2;
  if (on)
    return {
      ...check,
      detail: `${check.detail}; ${seen}${mode === 'fork' ? '' : ' (the builtin walredo leaves relation-map records to the storage service: its filter is measured on)'}`,
    };
  return {
    ...check,
    status: 'fail',
    detail: `the ${mode} walredo runs without its seccomp sandbox: ${seen}; ${mode === 'fork' ? "build the tree --with-libseccomp (pg-bundle passes it when the tree's configure offers it) and check the module's HAVE_LIBSECCOMP" : 'check that libseccomp is linked in and the kernel allows seccomp filters'}; ${check.detail}`,
  };
}

/**
 * Directories of the machine that built the bundle: the bundle directory itself (the build writes
 * the bundle there, so its absolute path in a binary means a look-up that breaks once the bundle
 * moves), a `dir:` source tree named in the manifest, and any directory the manifest records as
 * `buildDirectory` (accepted for forward compatibility).
 */
export function buildMachineDirs(ctx: VersionContext): string[] {
  const dirs = new Set<string>([ctx.bundleDir]);
  try {
    dirs.add(realpathSync(ctx.bundleDir));
  } catch {
    // the bundle directory was checked before; keep the given path only
  }
  const entry = versionManifest(ctx) as
    (ReturnType<typeof versionManifest> & { buildDirectory?: unknown }) | undefined;
  const sourceDir = sourceDirOfSpec(entry?.source?.spec);
  if (sourceDir) dirs.add(sourceDir);
  if (typeof entry?.buildDirectory === 'string') dirs.add(entry.buildDirectory);
  // a one-component directory (/tmp, /opt) is too generic to tell a leak from a system path
  return [...dirs].filter((d) => d.split('/').filter(Boolean).length >= 2);
}

export function checkNoBuildPaths(
  ctx: VersionContext,
  elfs: ScannedElf[],
  hostHas: (dir: string) => boolean = existsSync,
): CheckResult {
  const forbidden = buildMachineDirs(ctx);
  const problems: string[] = [];
  const lookups = new Set<string>();
  for (const e of elfs) {
    for (const leak of leakedPaths(e.paths, forbidden))
      problems.push(`${e.path}: contains ${leak.path} (build-machine directory ${leak.directory})`);
    for (const d of compiledLookupDirs(e.paths)) {
      lookups.add(d);
      if (hostHas(d))
        problems.push(
          `${e.path}: compiled-in look-up directory ${d} exists on this host; a bundle that is not laid out as vNN/{bin,share,lib} would silently use it`,
        );
    }
  }
  if (problems.length > 0) return fail(NO_BUILD_PATHS, listSome(problems));
  const compiled =
    lookups.size > 0
      ? `compiled-in look-up directories (absent here, used only when the layout is broken): ${[...lookups].sort().join(', ')}`
      : 'no compiled-in look-up directories';
  return pass(NO_BUILD_PATHS, `none of ${forbidden.join(', ')} appears in the binaries; ${compiled}`);
}
