import { CheckResult } from '../../core/manifest';
import { encodeRedoRequest, ping } from '../../walredo/protocol';
import { BLCKSZ } from '../../walredo/wal/constants';
import { initdbArgv } from '../invocation';
import { kernelFloorFilter, kernelFloorProgram } from '../kernel-floor';
import { hostPlatform, Platform, platformById } from '../../core/platform';
import { describeEnd, firstLines, ProcessOutcome, spawnCollect, succeeded } from '../process';
import { join } from 'node:path';
import { DEFAULT_TENANT_SHARD_ID, readOnlyRootArgs } from '../../walredo/suite';
import { rootSpawnFromBwrap } from '../vm/bwrap';
import { VM_PLATFORM } from '../vm/boot';
import type { AArch64Vm } from '../vm/machine';
import { emulatedPlatform } from '../vm/session';
import { fail, pass, skip, VersionContext } from './context';

export const KERNEL_FLOOR = 'kernel-floor';

const TAG = { fork: 0, spcOid: 1663, dbOid: 5, relNumber: 16384, blkno: 0 };

/** A short walredo session: ping, then push a page and get it back; end of input ends the process. */
function walRedoSession(): { input: Buffer; expected: Buffer } {
  const page = Buffer.alloc(BLCKSZ, 0x5a);
  return {
    input: Buffer.concat([ping(), encodeRedoRequest({ tag: TAG, base: page, records: [] })]),
    expected: Buffer.concat([Buffer.alloc(BLCKSZ), page]),
  };
}

/**
 * Where the filter applies (pure): bwrap loads it into the process it starts, which runs on this
 * machine's architecture, so it filters this machine's system calls. A bundle of another platform
 * runs there under qemu-user: the filter sees the calls qemu makes for the program.
 */
export function kernelFloorPlatforms(
  bundlePlatform: string | undefined,
  host: Platform | undefined = hostPlatform(),
): { filtered: Platform; emulated?: Platform } {
  const filtered = host ?? platformById('linux-x86_64')!;
  const emulated = emulatedPlatform(bundlePlatform, filtered);
  return emulated ? { filtered, emulated } : { filtered };
}

/** How the run was filtered, for the check's detail (pure). */
export function filterDescription(p: ReturnType<typeof kernelFloorPlatforms>): string {
  const base = `every ${p.filtered.label} system call newer than Linux 5.10 (from 441 up) answers ENOSYS`;
  if (!p.emulated) return base;
  return `${base}; the ${p.emulated.label} binaries ran under qemu-user, whose calls for them the filter saw (AArch64 and x86-64 number every call from 424 up alike: a guest call newer than 5.10 reaches the filter as the same call, or qemu answers ENOSYS itself)`;
}

function failure(what: string, o: ProcessOutcome, filter: string): string {
  return `${what} ${describeEnd(o)} under a Linux 5.10 system call filter (${filter}): ${firstLines(o.stderr || o.stdout, 4)}`;
}

/**
 * "Linux >= 5.10" proven, not only read from the ELF note: initdb (as the storage service runs it)
 * and a walredo session run in the empty root under a seccomp program that answers ENOSYS for every
 * system call newer than Linux 5.10, as such a kernel would. A dependency on a newer kernel fails here.
 */
export async function checkKernelFloor(ctx: VersionContext): Promise<CheckResult> {
  const sb = ctx.sandbox;
  if (!sb?.runFiltered)
    return skip(
      KERNEL_FLOOR,
      `needs bwrap (bubblewrap) to load the system call filter (isolation here: ${sb?.method ?? 'none'})`,
    );
  const platforms = kernelFloorPlatforms(ctx.manifest?.platform);
  const described = filterDescription(platforms);
  const filter = kernelFloorFilter(kernelFloorProgram(platforms.filtered.auditArch));
  const initdb = initdbArgv(
    `${sb.bundlePath}/${ctx.dir}/bin/initdb`,
    ctx.major,
    `${sb.inoutPath}/kernel-floor-data`,
  );
  const o = await sb.runFiltered(initdb, filter);
  if (!succeeded(o)) return fail(KERNEL_FLOOR, failure(`${ctx.dir}/bin/initdb`, o, described));
  const session = walRedoSession();
  const walredoArgs = ['--wal-redo', '--tenant-shard-id', DEFAULT_TENANT_SHARD_ID];
  const postgres = `${sb.bundlePath}/${ctx.dir}/bin/postgres`;
  // walredo enters seccomp, which qemu-user refuses: under emulation the session runs in the VM,
  // under the filter for the guest kernel's (AArch64) calls, in the same empty read-only root
  const w = ctx.vm
    ? await vmFilteredSession(ctx.vm, join(ctx.bundleDir, ctx.dir), ctx.major, walredoArgs, session.input)
    : await sb.runFiltered([postgres, ...walredoArgs], filter, session.input);
  if (!succeeded(w)) return fail(KERNEL_FLOOR, failure(`${ctx.dir}/bin/postgres --wal-redo`, w, described));
  if (Buffer.compare(Buffer.from(w.stdout, 'utf8'), session.expected) !== 0)
    return fail(
      KERNEL_FLOOR,
      `${ctx.dir}/bin/postgres --wal-redo answered ${w.stdout.length} bytes that are not the ping and the pushed page, under the Linux 5.10 filter`,
    );
  const where = ctx.vm
    ? `; the walredo session ran in the AArch64 VM (Linux ${ctx.vm.release}) under the same program for AArch64's calls, loaded by the guest's init as bwrap --seccomp does`
    : '';
  return pass(
    KERNEL_FLOOR,
    `initdb and a walredo session (ping, push, get) succeed when ${described} (${sb.method} --seccomp)${where}`,
  );
}

/** A walredo session in the VM, in the walredo stage's empty read-only root, under the AArch64 Linux 5.10 filter. */
function vmFilteredSession(
  vm: AArch64Vm,
  versionDir: string,
  major: number,
  walredoArgs: string[],
  input: Buffer,
): Promise<ProcessOutcome> {
  const r = rootSpawnFromBwrap(readOnlyRootArgs(versionDir, major, walredoArgs));
  const seccomp = kernelFloorFilter(kernelFloorProgram(VM_PLATFORM.auditArch));
  return spawnCollect(r.command, r.args, {
    input,
    start: (cmd, args) =>
      vm.spawn(cmd, args, { env: r.env, cwd: r.cwd, uid: r.uid, gid: r.gid, root: r.root, seccomp }),
  });
}
