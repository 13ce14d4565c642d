import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { UserError } from '../util/errors';
import { capture, commandExists, run } from '../util/exec';
import { Logger } from '../util/logger';
import { binfmtFix, binfmtShellLine, binfmtState, registerBinfmt } from './binfmt';

/** Something the build needs from the machine, and the Debian package that provides it. */
export interface Requirement {
  what: string;
  kind: 'command' | 'static-lib' | 'file';
  /** command name, archive file name (libz.a) or absolute path */
  name: string;
  debianPackage: string;
  /** the build goes on without it (and says so) */
  optional?: boolean;
  /** static-lib: the compiler that must find it (default gcc; a cross compiler for another platform) */
  compiler?: string;
  /** a binfmt_misc entry (file): the rule file its package installs, from which it is registered */
  binfmtRule?: string;
}

export const REQUIREMENTS: Requirement[] = [
  { what: 'C compiler', kind: 'command', name: 'gcc', debianPackage: 'gcc' },
  { what: 'make', kind: 'command', name: 'make', debianPackage: 'make' },
  {
    what: 'ccache (compiles cached under the cache directory)',
    kind: 'command',
    name: 'ccache',
    debianPackage: 'ccache',
  },
  { what: 'bison', kind: 'command', name: 'bison', debianPackage: 'bison' },
  { what: 'flex', kind: 'command', name: 'flex', debianPackage: 'flex' },
  { what: 'perl', kind: 'command', name: 'perl', debianPackage: 'perl' },
  { what: 'pkg-config', kind: 'command', name: 'pkg-config', debianPackage: 'pkg-config' },
  { what: 'binutils (ld -r)', kind: 'command', name: 'ld', debianPackage: 'binutils' },
  { what: 'binutils (objcopy)', kind: 'command', name: 'objcopy', debianPackage: 'binutils' },
  { what: 'binutils (nm)', kind: 'command', name: 'nm', debianPackage: 'binutils' },
  { what: 'tar', kind: 'command', name: 'tar', debianPackage: 'tar' },
  { what: 'bzip2 (source tarballs)', kind: 'command', name: 'bzip2', debianPackage: 'bzip2' },
  { what: 'xz (Debian sources)', kind: 'command', name: 'xz', debianPackage: 'xz-utils' },
  {
    what: 'apt-get source (Debian sources)',
    kind: 'command',
    name: 'dpkg-source',
    debianPackage: 'dpkg-dev',
  },
  {
    what: "Debian's archive keyring (Debian sources)",
    kind: 'file',
    name: '/usr/share/keyrings/debian-archive-keyring.gpg',
    debianPackage: 'debian-archive-keyring',
  },
  { what: 'static glibc', kind: 'static-lib', name: 'libc.a', debianPackage: 'libc6-dev' },
  { what: 'static libstdc++ (for ICU)', kind: 'static-lib', name: 'libstdc++.a', debianPackage: 'g++' },
  { what: 'static ICU (uc)', kind: 'static-lib', name: 'libicuuc.a', debianPackage: 'libicu-dev' },
  { what: 'static ICU (i18n)', kind: 'static-lib', name: 'libicui18n.a', debianPackage: 'libicu-dev' },
  { what: 'static ICU (data)', kind: 'static-lib', name: 'libicudata.a', debianPackage: 'libicu-dev' },
  { what: 'static zlib', kind: 'static-lib', name: 'libz.a', debianPackage: 'zlib1g-dev' },
  { what: 'static lz4', kind: 'static-lib', name: 'liblz4.a', debianPackage: 'liblz4-dev' },
  { what: 'static zstd', kind: 'static-lib', name: 'libzstd.a', debianPackage: 'libzstd-dev' },
  { what: 'static libseccomp', kind: 'static-lib', name: 'libseccomp.a', debianPackage: 'libseccomp-dev' },
  {
    what: "glibc's compiled C.UTF-8 locale",
    kind: 'file',
    name: '/usr/lib/locale/C.utf8/LC_CTYPE',
    debianPackage: 'libc-bin',
  },
];

/** What `verify` needs besides the bundle: an isolation tool for the empty-root runs. */
export const VERIFY_REQUIREMENTS: Requirement[] = [
  { what: 'bubblewrap (empty-root runs)', kind: 'command', name: 'bwrap', debianPackage: 'bubblewrap' },
  {
    what: 'setpriv (run initdb unprivileged when root)',
    kind: 'command',
    name: 'setpriv',
    debianPackage: 'util-linux',
  },
];

/** Debian architectures other than the machine's that the packages name (`libz-dev:arm64`), sorted (pure). */
export function foreignArchitectures(packages: string[]): string[] {
  return [...new Set(packages.flatMap((p) => (p.includes(':') ? [p.slice(p.indexOf(':') + 1)] : [])))].sort();
}

/** The exact command that installs what is missing (pure); a foreign architecture is added first. */
export function aptInstallLine(missing: Requirement[]): string {
  const packages = [...new Set(missing.map((r) => r.debianPackage))].sort();
  const foreign = foreignArchitectures(packages);
  const add = foreign.map((a) => `sudo dpkg --add-architecture ${a} && `).join('');
  return `${add}${foreign.length ? 'sudo apt-get update && ' : ''}sudo apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/**
 * What to run for what is missing (pure): the apt-get line for packages not installed, then for a
 * binfmt_misc entry whose package is installed but which is not registered (a container), the
 * commands in `fixes` that register it.
 */
export function fixLine(
  missing: Requirement[],
  fixes: ReadonlyMap<Requirement, string[][]> = new Map(),
): string {
  const packages = missing.filter((r) => !fixes.has(r));
  const registrations = missing.flatMap((r) => (fixes.has(r) ? [binfmtShellLine(fixes.get(r)!)] : []));
  return [...(packages.length ? [aptInstallLine(packages)] : []), ...registrations].join(' && ');
}

/** The commands that register each missing binfmt_misc entry whose rule file is installed (a rule file unreadable as one is left to apt). */
export function binfmtFixes(missing: Requirement[]): Map<Requirement, string[][]> {
  const fixes = new Map<Requirement, string[][]>();
  for (const r of missing) {
    if (!r.binfmtRule) continue;
    try {
      const fix = binfmtFix(r.name, r.binfmtRule);
      if (fix) fixes.set(r, fix);
    } catch {
      // a rule file that holds no rule: reinstalling the package is the fix apt's line gives
    }
  }
  return fixes;
}

async function staticLibPath(name: string, cc = 'gcc'): Promise<string | undefined> {
  try {
    const path = await capture(cc, [`-print-file-name=${name}`]);
    return isAbsolute(path) && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

async function isPresent(r: Requirement): Promise<boolean> {
  switch (r.kind) {
    case 'command':
      return commandExists(r.name);
    case 'static-lib':
      return (await staticLibPath(r.name, r.compiler)) !== undefined;
    case 'file':
      return r.binfmtRule ? binfmtState(r.name) === 'enabled' : existsSync(r.name);
  }
}

export async function missingRequirements(
  requirements: Requirement[] = REQUIREMENTS,
): Promise<Requirement[]> {
  const missing: Requirement[] = [];
  for (const r of requirements) if (!(await isPresent(r))) missing.push(r);
  return missing;
}

/**
 * Checks the toolchain; with `install`, installs what is missing with apt-get (as the action does
 * on runners), otherwise fails with the exact apt-get line to run.
 */
export async function ensureToolchain(
  log: Logger,
  install: boolean,
  requirements: Requirement[] = REQUIREMENTS,
): Promise<void> {
  let missing = await missingRequirements(requirements);
  const onlyOptional = () => {
    if (missing.some((r) => !r.optional)) return false;
    for (const r of missing)
      log.info(`${r.what} is not installed: building without it (${aptInstallLine([r])})`);
    return true;
  };
  if (missing.length === 0) return;
  if (install) {
    // an entry whose package is installed needs no apt-get (nor network, nor its sudo)
    missing = await registerInstalled(log, requirements, missing);
    if (missing.length === 0) return;
    await installPackages(log, missing);
    missing = await registerInstalled(log, requirements, await missingRequirements(requirements));
  }
  if (onlyOptional()) return;
  missing = missing.filter((r) => !r.optional);
  throw new UserError(
    `the build machine lacks: ${missing.map((r) => `${r.what} (${r.name})`).join(', ')}`,
    `run: ${fixLine(missing, binfmtFixes(missing))}   (or pass --install-deps)`,
  );
}

/** apt-get installs the packages of `missing`, adding a foreign architecture first. */
async function installPackages(log: Logger, missing: Requirement[]): Promise<void> {
  const packages = [...new Set(missing.map((r) => r.debianPackage))].sort();
  const asRoot = (...argv: string[]) => (process.getuid?.() === 0 ? argv : ['sudo', ...argv]);
  await log.step(`install build dependencies: ${packages.join(' ')}`, async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const runArgv = ([cmd, ...args]: string[]) => run(cmd, args, { env });
    for (const arch of foreignArchitectures(packages))
      await runArgv(asRoot('dpkg', '--add-architecture', arch));
    await runArgv(asRoot('apt-get', 'update', '-q'));
    await runArgv(asRoot('apt-get', 'install', '-y', '-q', '--no-install-recommends', ...packages));
  });
}

/** Registers each missing binfmt_misc entry whose rule file is installed; what is missing after. */
async function registerInstalled(
  log: Logger,
  requirements: Requirement[],
  missing: Requirement[],
): Promise<Requirement[]> {
  const fixes = binfmtFixes(missing);
  if (fixes.size === 0) return missing;
  for (const [r, commands] of fixes)
    await log.step(`register ${r.name} (binfmt_misc)`, () => registerBinfmt(r.name, commands));
  return missingRequirements(requirements);
}
