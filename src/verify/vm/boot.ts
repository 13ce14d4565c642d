/**
 * What the AArch64 VM boots (src/verify/vm/machine.ts starts it): qemu-system's command line, and
 * the initramfs with the guest's init (the C files in guest/, main in pgb_vm_init.c) compiled static
 * for AArch64.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { foreignTools, Platform, platformById } from '../../core/platform';
import { UserError } from '../../util/errors';
import { capture, run } from '../../util/exec';
import { packageRoot } from '../../util/package-root';
import { CpioEntry } from './cpio';
import { GuestKernel, guestModules } from './kernel';

/** The platform the VM is: its qemu-system, its kernel's system calls, the compiler of its init. */
export const VM_PLATFORM: Platform = platformById('linux-aarch64')!;

/** qemu-system for the VM's platform, and the compiler of its init (Debian's commands and packages). */
export const VM_TOOLS = foreignTools(VM_PLATFORM);

export interface VmShare {
  /** a host directory, seen read-only in the guest */
  hostPath: string;
  /** where the guest mounts it; default the same path as on the host */
  guestPath?: string;
}

export interface BootOptions {
  /** an unpacked Debian arm64 kernel package (see kernel.ts) */
  kernelDir: string;
  /** host directories the guest sees (the bundle's directory) */
  shares?: readonly VmShare[];
  /** default 4096 */
  memoryMiB?: number;
  /** default 2 */
  cpus?: number;
  /** qemu's -cpu; default "neoverse-n1" */
  cpu?: string;
  /** files added to the guest's root (static test programs) */
  extraFiles?: readonly { path: string; data: Buffer; mode?: number }[];
  /** scratch directory (initramfs, socket, logs); default a new one under the OS's temp directory, removed at shutdown */
  workDir?: string;
  /** the kernel's console log; default <workDir>/console.log */
  consoleLog?: string;
  /** default 180 s */
  bootTimeoutMs?: number;
  /** the AArch64 C compiler for /init; default Debian's cross compiler (aarch64-linux-gnu-gcc) */
  cc?: string;
  qemu?: string;
}

/** Where the guest's init is: its .c files and the header they share (pgb_vm_init.h). */
function guestInitDir(): string {
  return join(packageRoot(), 'src', 'verify', 'vm', 'guest');
}

/** The guest directory's C sources and headers, sorted by name. */
function guestInitFiles(dir: string): { c: string[]; all: string[] } {
  const all = readdirSync(dir)
    .filter((name) => name.endsWith('.c') || name.endsWith('.h'))
    .sort();
  return { c: all.filter((name) => name.endsWith('.c')), all };
}

/** sha256 over every file's name and contents: an edit to any of them names a new binary. */
function guestInitHash(dir: string, files: readonly string[], command: readonly string[]): string {
  const hash = createHash('sha256').update(`${command.join('\0')}\0\0`);
  for (const name of files) {
    const data = readFileSync(join(dir, name));
    hash.update(`${name}\0${data.length}\0`).update(data);
  }
  return hash.digest('hex').slice(0, 16);
}

export function qemuArgs(
  kernel: GuestKernel,
  initramfs: string,
  socketPath: string,
  consoleLog: string,
  options: BootOptions,
): string[] {
  const shares = (options.shares ?? []).flatMap((s, i) => [
    '-fsdev',
    `local,id=fs${i},path=${resolve(s.hostPath)},security_model=none,readonly=on`,
    '-device',
    `virtio-9p-pci,fsdev=fs${i},mount_tag=share${i}`,
  ]);
  // one option and its value per line
  // prettier-ignore
  return [
    '-M', 'virt',
    '-cpu', options.cpu ?? 'neoverse-n1',
    '-smp', String(options.cpus ?? 2),
    '-m', String(options.memoryMiB ?? 4096),
    '-nodefaults', '-no-user-config', '-no-reboot', '-display', 'none', '-monitor', 'none',
    '-serial', `file:${consoleLog}`,
    '-kernel', kernel.image,
    '-initrd', initramfs,
    '-append', 'console=ttyAMA0 rdinit=/init panic=-1',
    '-chardev', `socket,id=mux,path=${socketPath}`,
    '-device', 'virtio-serial-pci,id=vser',
    '-device', 'virtserialport,bus=vser.0,chardev=mux,name=pgb.mux',
    '-device', 'virtio-rng-pci',
    ...shares,
  ];
}

/** The compiler as `--version` names it (its Debian revision included); refused when it is not installed. */
async function compilerIdentity(cc: string): Promise<string> {
  try {
    return (await capture(cc, ['--version'])).split('\n')[0];
  } catch (e) {
    if (/command not found|ENOENT/.test(String(e)))
      throw new UserError(
        `${cc} is not installed (it compiles the VM's init)`,
        `apt-get install ${VM_TOOLS.cc.debianPackage}`,
      );
    throw e;
  }
}

/**
 * pgb_vm_init compiled static for AArch64, kept in the work directory by the sha256 of its sources,
 * the compiler's version and the flags (the binary is theirs as much as the sources').
 */
async function compileGuestInit(workDir: string, cc: string): Promise<Buffer> {
  const dir = guestInitDir();
  const files = guestInitFiles(dir);
  const flags = ['-static', '-O2', '-Wall', '-Wextra'];
  const key = guestInitHash(dir, files.all, [await compilerIdentity(cc), ...flags]);
  const out = join(workDir, `pgb_vm_init-${key}`);
  if (!existsSync(out)) {
    // a compile cut short leaves no file under the name that is trusted
    const partial = `${out}.partial`;
    await run(cc, [...flags, '-I', dir, '-o', partial, ...files.c.map((name) => join(dir, name))]);
    renameSync(partial, out);
  }
  return readFileSync(out);
}

export async function initramfsEntries(
  kernel: GuestKernel,
  workDir: string,
  options: BootOptions,
): Promise<CpioEntry[]> {
  const modules = guestModules(kernel);
  const extra = options.extraFiles ?? [];
  const parents = new Set<string>();
  for (const f of extra) {
    const parts = f.path.replace(/^\/+/, '').split('/').slice(0, -1);
    parts.forEach((_, i) => parents.add(parts.slice(0, i + 1).join('/')));
  }
  return [
    ...['dev', 'proc', 'sys', 'tmp', 'etc', 'modules'].map((path): CpioEntry => ({ kind: 'dir', path })),
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    {
      kind: 'file',
      path: 'init',
      data: await compileGuestInit(workDir, options.cc ?? VM_TOOLS.cc.command),
      mode: 0o755,
    },
    // postgres looks its user up; "nobody" is who the walredo runs as when the host runs as root
    {
      kind: 'file',
      path: 'etc/passwd',
      data: Buffer.from('root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n'),
    },
    { kind: 'file', path: 'etc/group', data: Buffer.from('root:x:0:\nnogroup:x:65534:\n') },
    ...modules.map((m): CpioEntry => ({
      kind: 'file',
      path: `modules/${basename(m)}`,
      data: readFileSync(m),
    })),
    {
      kind: 'file',
      path: 'modules/order',
      data: Buffer.from(modules.map((m) => `${basename(m)}\n`).join('')),
    },
    ...[...parents].sort().map((path): CpioEntry => ({ kind: 'dir', path })),
    ...extra.map((f): CpioEntry => ({ kind: 'file', path: f.path, data: f.data, mode: f.mode ?? 0o755 })),
  ];
}
