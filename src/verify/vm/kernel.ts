/**
 * The guest kernel: Debian's arm64 kernel package (linux-image-<abi>-arm64), unpacked with
 * dpkg-deb into a directory (it cannot be installed on another architecture's machine). Its
 * virtio console and 9p are modules: they go into the initramfs, dependencies first.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { run, capture } from '../../util/exec';
import { UserError } from '../../util/errors';

/**
 * The modules /init loads: the virtio-serial port (PCI transport), 9p shares of host directories,
 * and virtio-rng (the emulated CPU has no RNDR: without it getrandom waits for entropy).
 */
export const GUEST_MODULES = ['virtio_pci', 'virtio_console', '9pnet_virtio', '9p', 'virtio_rng'] as const;

/** The Debian package that depends on the current arm64 kernel (its dependency is the kernel itself). */
export const KERNEL_METAPACKAGE = 'linux-image-arm64:arm64';

export interface GuestKernel {
  /** the unpacked package's root */
  dir: string;
  /** boot/vmlinuz-<release> */
  image: string;
  /** e.g. 6.1.0-57-arm64 */
  release: string;
  /** lib/modules/<release> */
  modulesDir: string;
}

/** The kernel unpacked in `dir` (the root of `dpkg-deb -x`), or a one-line UserError saying how to get one. */
export function findGuestKernel(dir: string): GuestKernel {
  const boot = join(dir, 'boot');
  const images = existsSync(boot)
    ? readdirSync(boot)
        .filter((f) => /^vmlinuz-/.test(f))
        .sort()
    : [];
  if (images.length === 0)
    throw new UserError(
      `no arm64 kernel in ${dir} (boot/vmlinuz-* missing)`,
      `run: pg-bundle doctor --arch aarch64 --install-deps (it downloads Debian's arm64 kernel package into the cache directory)`,
    );
  const release = images[images.length - 1].slice('vmlinuz-'.length);
  const modulesDir = join(dir, 'lib', 'modules', release);
  if (!existsSync(modulesDir))
    throw new UserError(
      `the kernel in ${dir} has no lib/modules/${release}`,
      `unpack the whole linux-image-${release} package there with dpkg-deb -x`,
    );
  return { dir, image: join(boot, images[images.length - 1]), release, modulesDir };
}

/** The `depends=` of a module's .modinfo (pure): NUL-separated key=value strings in the .ko. */
export function moduleDepends(ko: Buffer): string[] {
  const key = Buffer.from('\0depends=');
  const at = ko.indexOf(key);
  if (at < 0) return [];
  const start = at + key.length;
  const end = ko.indexOf(0, start);
  const value = ko.subarray(start, end < 0 ? ko.length : end).toString('utf8');
  return value ? value.split(',') : [];
}

/** Every .ko under the modules directory by module name (dashes and underscores are one to the kernel). */
function moduleFiles(modulesDir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.ko')) found.set(e.name.slice(0, -3).replace(/-/g, '_'), join(dir, e.name));
    }
  };
  walk(join(modulesDir, 'kernel'));
  return found;
}

/**
 * The module files to load for `wanted`, dependencies first. Modules built into the kernel
 * (modules.builtin) need nothing; `dependsOf` reads a module's dependencies (from its file).
 */
export function moduleLoadOrder(
  wanted: readonly string[],
  files: ReadonlyMap<string, string>,
  builtin: ReadonlySet<string>,
  dependsOf: (file: string) => string[],
): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    const n = name.replace(/-/g, '_');
    if (seen.has(n) || builtin.has(n)) return;
    seen.add(n);
    const file = files.get(n);
    if (!file)
      throw new UserError(
        `the guest kernel has no module ${n}`,
        `use Debian's arm64 kernel package (${KERNEL_METAPACKAGE})`,
      );
    for (const d of dependsOf(file)) visit(d);
    order.push(file);
  };
  for (const w of wanted) visit(w);
  return order;
}

export function guestModules(kernel: GuestKernel, wanted: readonly string[] = GUEST_MODULES): string[] {
  const builtinFile = join(kernel.modulesDir, 'modules.builtin');
  const builtin = new Set(
    existsSync(builtinFile)
      ? readFileSync(builtinFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => l.replace(/^.*\//, '').replace(/\.ko$/, '').replace(/-/g, '_'))
      : [],
  );
  return moduleLoadOrder(wanted, moduleFiles(kernel.modulesDir), builtin, (f) =>
    moduleDepends(readFileSync(f)),
  );
}

/**
 * Downloads Debian's current arm64 kernel package with apt and unpacks it into
 * `<parent>/<package>` (kept: the next call finds it). Returns the kernel.
 */
export async function provisionGuestKernel(parent: string): Promise<GuestKernel> {
  const depends = await capture('apt-cache', ['depends', KERNEL_METAPACKAGE]);
  const pkg = /Depends: (linux-image-[^\s:]+)/.exec(depends)?.[1];
  if (!pkg)
    throw new UserError(
      `apt knows no arm64 kernel (${KERNEL_METAPACKAGE})`,
      'run dpkg --add-architecture arm64 && apt-get update',
    );
  const dir = join(parent, pkg);
  if (existsSync(join(dir, 'boot'))) return findGuestKernel(dir);
  const work = `${dir}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    await run('apt-get', ['download', `${pkg}:arm64`], { cwd: work });
    const deb = readdirSync(work).find((f) => f.endsWith('.deb'));
    if (!deb) throw new UserError(`apt-get download ${pkg}:arm64 left no .deb`, 'check the apt sources');
    await run('dpkg-deb', ['-x', join(work, deb), join(work, 'root')]);
    renameSync(join(work, 'root'), dir);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return findGuestKernel(dir);
}
