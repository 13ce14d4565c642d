import { UserError } from '../util/errors';
import { shown } from '../util/log-text';

/**
 * The platforms a bundle is built for (pure): one row of facts each, so that the build, verify,
 * publish and fetch name an architecture the same way.
 */
export interface Platform {
  /** as manifests, pins and asset names write it */
  id: 'linux-x86_64' | 'linux-aarch64';
  /** Debian's architecture name (multiarch packages `<name>:<debian>`) */
  debian: 'amd64' | 'arm64';
  /** GNU triplet: the cross toolchain's prefix and the multiarch library directory */
  triplet: 'x86_64-linux-gnu' | 'aarch64-linux-gnu';
  /** ELF e_machine */
  elfMachine: number;
  /** what people call it */
  label: string;
  /** Node's process.arch on it */
  nodeArch: string;
  /** what `--arch` takes (uname -m) */
  arch: 'x86_64' | 'aarch64';
  /** qemu's name for it (qemu-<name>-static runs its programs on another machine) */
  qemu: string;
  /** AUDIT_ARCH_* (seccomp_data.arch: what a seccomp filter sees for this platform's system calls) */
  auditArch: number;
  /** Debian's package of qemu-system-<qemu> (a whole machine of this platform) */
  qemuSystemPackage: 'qemu-system-x86' | 'qemu-system-arm';
}

export const PLATFORMS: readonly Platform[] = [
  {
    id: 'linux-x86_64',
    debian: 'amd64',
    triplet: 'x86_64-linux-gnu',
    elfMachine: 62,
    label: 'x86-64',
    nodeArch: 'x64',
    arch: 'x86_64',
    qemu: 'x86_64',
    auditArch: 0xc000003e,
    qemuSystemPackage: 'qemu-system-x86',
  },
  {
    id: 'linux-aarch64',
    debian: 'arm64',
    triplet: 'aarch64-linux-gnu',
    elfMachine: 183,
    label: 'AArch64',
    nodeArch: 'arm64',
    arch: 'aarch64',
    qemu: 'aarch64',
    auditArch: 0xc00000b7,
    qemuSystemPackage: 'qemu-system-arm',
  },
];

/**
 * The platform of what was made before bundles had several platforms: a manifest, a release
 * record or an asset name without a platform.
 */
export const LEGACY_PLATFORM_ID: Platform['id'] = 'linux-x86_64';

/** The platform of an id as a manifest or pin writes it; undefined for one pg-bundle does not build. */
export function platformById(id: string): Platform | undefined {
  return PLATFORMS.find((p) => p.id === id);
}

/** The platform of an ELF e_machine. */
export function platformByElfMachine(machine: number): Platform | undefined {
  return PLATFORMS.find((p) => p.elfMachine === machine);
}

/** The platform this process runs on (`arch`: Node's process.arch). */
export function hostPlatform(arch: string = process.arch): Platform | undefined {
  return PLATFORMS.find((p) => p.nodeArch === arch);
}

/**
 * The platform an `--arch` value names: uname -m's name (x86_64, aarch64), Debian's (amd64,
 * arm64) or the platform id; undefined for anything else.
 */
export function platformByArch(value: string): Platform | undefined {
  const v = value.trim().toLowerCase();
  return PLATFORMS.find((p) => [p.arch, p.debian, p.id].includes(v as never));
}

const ARCH_CHOICES = PLATFORMS.map((p) => `--arch ${p.arch}`).join(' or ');

/**
 * The one reader of `--arch` (build, doctor, fetch): the platform it names, else this
 * machine's (`machine.host`: hostPlatform(), `machine.nodeArch`: process.arch); refused in one line otherwise.
 */
export function archOption(
  arch: string | undefined,
  machine: { host: Platform | undefined; nodeArch: string } = {
    host: hostPlatform(),
    nodeArch: process.arch,
  },
): Platform {
  if (arch !== undefined) {
    const named = platformByArch(arch);
    if (!named)
      throw new UserError(
        `--arch ${shown(arch)} names no platform pg-bundle supports`,
        `pass ${ARCH_CHOICES}`,
      );
    return named;
  }
  if (!machine.host)
    throw new UserError(
      `this machine's architecture (${shown(machine.nodeArch)}) is none pg-bundle supports`,
      `pass ${ARCH_CHOICES}`,
    );
  return machine.host;
}

/** Platform ids in the order pg-bundle lists them (x86-64 first), ids it does not know last (pure). */
export function platformOrder(ids: string[]): string[] {
  const rank = (id: string) => {
    const i = PLATFORMS.findIndex((p) => p.id === id);
    return i < 0 ? PLATFORMS.length : i;
  };
  return [...ids].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A command another machine runs for a platform, and the Debian package that installs it. */
export interface ForeignTool {
  command: string;
  debianPackage: string;
}

/**
 * What another machine runs to compile for `p` and to run its programs (pure; the build needs them
 * for a cross build, verify for a bundle of another platform): Debian's cross C compiler, qemu-user
 * with its binfmt_misc entry, and qemu-system for a whole machine of `p`.
 */
export function foreignTools(p: Platform): {
  cc: ForeignTool;
  qemuUser: ForeignTool & { binfmtEntry: string; binfmtRule: string };
  qemuSystem: ForeignTool;
} {
  return {
    cc: { command: `${p.triplet}-gcc`, debianPackage: `gcc-${p.triplet}` },
    qemuUser: {
      command: `qemu-${p.qemu}-static`,
      debianPackage: 'qemu-user-static',
      binfmtEntry: `/proc/sys/fs/binfmt_misc/qemu-${p.qemu}`,
      // the rule file the package installs, from which the entry is registered
      binfmtRule: `/usr/lib/binfmt.d/qemu-${p.qemu}.conf`,
    },
    qemuSystem: { command: `qemu-system-${p.qemu}`, debianPackage: p.qemuSystemPackage },
  };
}
