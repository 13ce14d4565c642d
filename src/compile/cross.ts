/**
 * Building for another platform than the build machine's (pure): what the machine needs for it,
 * from Debian's cross toolchain and the multiarch packages of the target's static libraries.
 */
import { foreignTools, hostPlatform, Platform } from '../core/platform';
import { UserError } from '../util/errors';
import { Requirement, REQUIREMENTS } from './toolchain';

/** The static libraries a bundle links, by archive and Debian package (the same for every platform). */
export const STATIC_LIBRARIES: readonly { what: string; name: string; debianPackage: string }[] = [
  { what: 'glibc', name: 'libc.a', debianPackage: 'libc6-dev' },
  { what: 'ICU (uc)', name: 'libicuuc.a', debianPackage: 'libicu-dev' },
  { what: 'ICU (i18n)', name: 'libicui18n.a', debianPackage: 'libicu-dev' },
  { what: 'ICU (data)', name: 'libicudata.a', debianPackage: 'libicu-dev' },
  { what: 'zlib', name: 'libz.a', debianPackage: 'zlib1g-dev' },
  { what: 'lz4', name: 'liblz4.a', debianPackage: 'liblz4-dev' },
  { what: 'zstd', name: 'libzstd.a', debianPackage: 'libzstd-dev' },
  { what: 'libseccomp', name: 'libseccomp.a', debianPackage: 'libseccomp-dev' },
];

/** A build tool for `target` on `host`: its own name on the same platform, Debian's cross name otherwise. */
export function toolName(target: Platform, host: Platform, tool: string): string {
  return target.id === host.id ? tool : `${target.triplet}-${tool}`;
}

/** The platform a bundle is built for, and the one the build runs on. */
export interface BuildTarget {
  platform: Platform;
  host: Platform;
}

export function isCross(t: BuildTarget): boolean {
  return t.platform.id !== t.host.id;
}

/** This machine's platform as both target and host; one line if pg-bundle does not build on it. */
export function nativeTarget(): BuildTarget {
  const host = hostPlatform();
  if (!host)
    throw new UserError(
      `this machine (${process.arch}) is not a platform pg-bundle builds on`,
      'build on x86_64 or aarch64 Linux',
    );
  return { platform: host, host };
}

/** What a build for `t` needs on this machine (pure): the native requirements, and the cross ones. */
export function buildRequirements(t: BuildTarget): Requirement[] {
  return [...REQUIREMENTS, ...(isCross(t) ? crossRequirements(t.platform) : [])];
}

/** The binutils and compiler a build for `t` runs (pure): Debian's cross names on another platform. */
export interface BinTools {
  cc: string;
  ld: string;
  nm: string;
  objcopy: string;
  strip: string;
}

export function binTools(t: BuildTarget): BinTools {
  const name = (tool: string) => toolName(t.platform, t.host, tool);
  return { cc: name('gcc'), ld: name('ld'), nm: name('nm'), objcopy: name('objcopy'), strip: name('strip') };
}

/** Where the target's multiarch packages put their libraries (libc6-dev:arm64's libc.a, libz.a, ...). */
export function multiarchLibDir(platform: Platform): string {
  return `/usr/lib/${platform.triplet}`;
}

/** configure's arguments for a cross build (pure): none for a native one. */
export function crossConfigureArgs(t: BuildTarget): string[] {
  return isCross(t) ? [`--host=${t.platform.triplet}`, `--build=${t.host.triplet}`] : [];
}

/**
 * The environment of a cross build (pure): pkg-config reads the target's .pc files only (ICU's
 * version and flags are the arm64 package's, not the machine's).
 */
export function crossEnv(t: BuildTarget): Record<string, string> {
  if (!isCross(t)) return {};
  return { PKG_CONFIG_LIBDIR: `${multiarchLibDir(t.platform)}/pkgconfig:/usr/share/pkgconfig` };
}

/**
 * What the compiler front adds to every cross compile and link (pure). Debian's cross gcc links
 * glibc from libc6-dev-<arch>-cross (a snapshot taken when the cross toolchain was built: 2.36-8cross1
 * in Debian 12) before the multiarch libc6-dev:<arch> (2.36-9+deb12uN, with the security updates the
 * x86-64 bundle's glibc has). -B puts the multiarch crt files and libc.a first, so both bundles link
 * the same Debian glibc. The headers stay the cross package's (they differ in two AT_RSEQ constants).
 */
export function crossCompilerFlags(t: BuildTarget): string[] {
  return isCross(t) ? [`-B${multiarchLibDir(t.platform)}/`] : [];
}

/**
 * What a build for `target` on another platform needs besides the native requirements: the cross
 * compilers and binutils, the target's static libraries as multiarch packages (found by the cross
 * compiler), and qemu to run the target's build-time programs (zic, pg_config).
 */
export function crossRequirements(target: Platform): Requirement[] {
  const t = target.triplet;
  const { cc: compiler, qemuUser, qemuSystem } = foreignTools(target);
  const cc = compiler.command;
  return [
    {
      what: `C compiler for ${target.label}`,
      kind: 'command',
      name: cc,
      debianPackage: compiler.debianPackage,
    },
    {
      what: `C++ compiler for ${target.label} (libstdc++ for ICU)`,
      kind: 'command',
      name: `${t}-g++`,
      debianPackage: `g++-${t}`,
    },
    {
      what: `binutils for ${target.label}`,
      kind: 'command',
      name: `${t}-objcopy`,
      debianPackage: `binutils-${t}`,
    },
    {
      what: `${target.label} emulation (runs zic and pg_config at build time, the bundle in verify)`,
      kind: 'command',
      name: qemuUser.command,
      debianPackage: qemuUser.debianPackage,
    },
    {
      what: `${target.label} system emulation (verify runs walredo, which enters seccomp, under a real ${target.label} kernel)`,
      kind: 'command',
      name: qemuSystem.command,
      debianPackage: qemuSystem.debianPackage,
    },
    {
      what: `${target.label} programs run through qemu (binfmt_misc; build-time programs such as zic run that way)`,
      kind: 'file',
      name: qemuUser.binfmtEntry,
      debianPackage: qemuUser.debianPackage,
      binfmtRule: qemuUser.binfmtRule,
    },
    ...STATIC_LIBRARIES.map((l): Requirement =>
      // glibc: the multiarch package's, which the build links (crossCompilerFlags), not the cross toolchain's
      l.name === 'libc.a'
        ? {
            what: `static ${l.what} for ${target.label}`,
            kind: 'file',
            name: `${multiarchLibDir(target)}/libc.a`,
            debianPackage: `${l.debianPackage}:${target.debian}`,
          }
        : {
            what: `static ${l.what} for ${target.label}`,
            kind: 'static-lib',
            name: l.name,
            debianPackage: `${l.debianPackage}:${target.debian}`,
            compiler: cc,
          },
    ),
  ];
}
