/**
 * Building for another platform than the build machine's (pure): what the machine needs for it,
 * from Debian's cross toolchain and the multiarch packages of the target's static libraries.
 */
import { Platform } from '../core/platform';
import { Requirement } from './toolchain';

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

/**
 * What a build for `target` on another platform needs besides the native requirements: the cross
 * compilers and binutils, the target's static libraries as multiarch packages (found by the cross
 * compiler), and qemu to run the target's build-time programs (zic, pg_config).
 */
export function crossRequirements(target: Platform): Requirement[] {
  const t = target.triplet;
  const cc = `${t}-gcc`;
  return [
    { what: `C compiler for ${target.label}`, kind: 'command', name: cc, debianPackage: `gcc-${t}` },
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
      name: `qemu-${target.qemu}-static`,
      debianPackage: 'qemu-user-static',
    },
    ...STATIC_LIBRARIES.map((l): Requirement => ({
      what: `static ${l.what} for ${target.label}`,
      kind: 'static-lib',
      name: l.name,
      debianPackage: `${l.debianPackage}:${target.debian}`,
      compiler: cc,
    })),
  ];
}
