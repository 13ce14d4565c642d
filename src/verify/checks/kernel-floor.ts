import { CheckResult } from '../../core/manifest';
import { encodeRedoRequest, ping } from '../../walredo/protocol';
import { BLCKSZ } from '../../walredo/wal/constants';
import { DEFAULT_TENANT_SHARD_ID } from '../../walredo/suite';
import { initdbArgv } from '../invocation';
import { kernelFloorFilter } from '../kernel-floor';
import { describeEnd, firstLines, ProcessOutcome, succeeded } from '../process';
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

function failure(what: string, o: ProcessOutcome): string {
  return `${what} ${describeEnd(o)} under a Linux 5.10 system call filter (ENOSYS for x86-64 calls from 441 up): ${firstLines(o.stderr || o.stdout, 4)}`;
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
  const filter = kernelFloorFilter();
  const initdb = initdbArgv(
    `${sb.bundlePath}/${ctx.dir}/bin/initdb`,
    ctx.major,
    `${sb.inoutPath}/kernel-floor-data`,
  );
  const o = await sb.runFiltered(initdb, filter);
  if (!succeeded(o)) return fail(KERNEL_FLOOR, failure(`${ctx.dir}/bin/initdb`, o));
  const session = walRedoSession();
  const postgres = `${sb.bundlePath}/${ctx.dir}/bin/postgres`;
  const w = await sb.runFiltered(
    [postgres, '--wal-redo', '--tenant-shard-id', DEFAULT_TENANT_SHARD_ID],
    filter,
    session.input,
  );
  if (!succeeded(w)) return fail(KERNEL_FLOOR, failure(`${ctx.dir}/bin/postgres --wal-redo`, w));
  if (Buffer.compare(Buffer.from(w.stdout, 'utf8'), session.expected) !== 0)
    return fail(
      KERNEL_FLOOR,
      `${ctx.dir}/bin/postgres --wal-redo answered ${w.stdout.length} bytes that are not the ping and the pushed page, under the Linux 5.10 filter`,
    );
  return pass(
    KERNEL_FLOOR,
    `initdb and a walredo session (ping, push, get) succeed when every x86-64 system call newer than Linux 5.10 answers ENOSYS (${sb.method} --seccomp)`,
  );
}
