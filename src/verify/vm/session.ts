/**
 * When verify runs a bundle's walredo in an AArch64 VM, and the VM's life around a verify run.
 * qemu-user (which runs the bundle's other programs on an x86-64 machine) refuses seccomp, which
 * walredo enters before its first request; under a real arm64 kernel the walredo suite, the
 * sandbox proof and the kernel-floor session run as on an ARM host.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { foreignTools, hostPlatform, Platform, platformById } from '../../core/platform';
import { Logger } from '../../util/logger';
import { provisionGuestKernel } from './kernel';
import { VM_PLATFORM, VM_TOOLS } from './boot';
import { AArch64Vm } from './machine';

/**
 * The platform of a `bundlePlatform` bundle when it runs on `host` only under qemu-user (another
 * platform than the machine's), else undefined (pure).
 */
export function emulatedPlatform(
  bundlePlatform: string | undefined,
  host: Platform | undefined = hostPlatform(),
): Platform | undefined {
  const bundle = bundlePlatform ? platformById(bundlePlatform) : undefined;
  return bundle && host && bundle.id !== host.id ? bundle : undefined;
}

/** Whether walredo of a `bundlePlatform` bundle needs the VM on `host`: emulated there, and the VM's platform (pure). */
export function walRedoNeedsVm(
  bundlePlatform: string | undefined,
  host: Platform | undefined = hostPlatform(),
): boolean {
  return emulatedPlatform(bundlePlatform, host)?.id === VM_PLATFORM.id;
}

/**
 * A bundle of another platform runs here only through qemu-user's binfmt_misc entry: without it
 * every program would fail with "Exec format error" (one line naming the fix instead; pure given the paths).
 */
export function emulationProblem(
  bundlePlatform: string | undefined,
  host: Platform | undefined = hostPlatform(),
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  const bundle = emulatedPlatform(bundlePlatform, host);
  if (!bundle || !host) return undefined;
  const { binfmtEntry, debianPackage } = foreignTools(bundle).qemuUser;
  return exists(binfmtEntry)
    ? undefined
    : `this ${host.label} machine cannot run the ${bundle.label} bundle: no binfmt_misc entry ${binfmtEntry} (${debianPackage})`;
}

/**
 * Boots the VM for a verify run: Debian's arm64 kernel (downloaded once into the cache directory),
 * the bundle directory and the temporary directory (where verify copies a bundle an unprivileged
 * user cannot reach) shared read-only at the same paths.
 */
export async function bootVerifyVm(bundleDir: string, cacheDir: string, log: Logger): Promise<AArch64Vm> {
  const kernel = await log.step('AArch64 VM: the guest kernel (Debian arm64, kept in the cache)', () =>
    provisionGuestKernel(join(cacheDir, 'vm-kernel')),
  );
  const vm = await log.step(`AArch64 VM: boot (${VM_TOOLS.qemuSystem.command})`, () =>
    AArch64Vm.boot({ kernelDir: kernel.dir, shares: [{ hostPath: bundleDir }, { hostPath: tmpdir() }] }),
  );
  log.info(
    `AArch64 VM: Linux ${vm.release} ready in ${vm.bootMs} ms: walredo runs there (qemu-user refuses seccomp)`,
  );
  return vm;
}
