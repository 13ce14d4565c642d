/**
 * Whether the walredo process runs in a seccomp sandbox, measured: once it has answered a ping
 * (a fork's walredo enters its sandbox before its main loop), its /proc/<pid>/status says whether a
 * seccomp filter is on; then it is sent a record whose redo makes a system call no walredo sandbox
 * allows (a relation-map update: relmap_redo opens and writes pg_filenode.map). In the sandbox that
 * call ends the process (the storage service's neon_walredo traps it and prints
 * "seccomp: bad syscall"); without one the redo fails on the missing file with an ordinary error.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalRedoClient, WalRedoError } from '../client';
import { applyRecord, beginRedoForBlock, BufferTag } from '../protocol';
import { RM, XLOG_RELMAP_UPDATE, XLR_BLOCK_ID_DATA_LONG } from '../wal/constants';

export interface SandboxReport {
  /** the Seccomp field of /proc/<pid>/status: 0 off, 1 strict, 2 filter */
  seccomp?: number;
  /** what the forbidden system call did to the process */
  forbiddenCall: string;
  /** a seccomp filter was on and the forbidden call ended the process through it */
  active: boolean;
}

const SANDBOX_TAG: BufferTag = { fork: 0, spcOid: 1663, dbOid: 1, relNumber: 1259, blkno: 0 };
const SANDBOX_LSN = 0x1000028n;

/** sizeof(RelMapFile): 62 mappings and padding to 512 bytes before v16, 64 mappings and a CRC after (pure). */
export function relMapFileSize(major: number): number {
  return major >= 16 ? 4 + 4 + 64 * 8 + 4 : 512;
}

/**
 * An XLOG_RELMAP_UPDATE record for database 1 in pg_default (pure): redo writes
 * base/1/pg_filenode.map, relative to the walredo process's working directory.
 */
export function relmapUpdateRecord(major: number): Buffer {
  const nbytes = relMapFileSize(major);
  const main = Buffer.alloc(12 + nbytes);
  main.writeUInt32LE(1, 0); // dbid
  main.writeUInt32LE(1663, 4); // tsid
  main.writeInt32LE(nbytes, 8);
  main.writeInt32LE(0x592717, 12); // RELMAPPER_FILEMAGIC
  const dataHeader = Buffer.alloc(5);
  dataHeader.writeUInt8(XLR_BLOCK_ID_DATA_LONG, 0);
  dataHeader.writeUInt32LE(main.length, 1);
  const header = Buffer.alloc(24);
  const total = header.length + dataHeader.length + main.length;
  header.writeUInt32LE(total, 0); // xl_tot_len
  header.writeUInt8(XLOG_RELMAP_UPDATE, 16); // xl_info
  header.writeUInt8(RM.RELMAP, 17); // xl_rmid
  return Buffer.concat([header, dataHeader, main]);
}

/** The Seccomp field of a /proc/<pid>/status text (pure). */
export function seccompMode(status: string): number | undefined {
  const m = /^Seccomp:\s*(\d+)\s*$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The verdict from what was seen (pure). */
export function sandboxVerdict(
  seccomp: number | undefined,
  ended: string | undefined,
  stderr: string,
): SandboxReport {
  // what a trapping filter prints (neon_walredo and pg-bundle's builtin walredo alike), or the signal itself
  const trapped = /seccomp: bad syscall/.test(stderr) || /SIGSYS/.test(ended ?? '');
  const forbiddenCall =
    ended === undefined
      ? 'the process survived a record whose redo opens a file'
      : `a record whose redo opens a file ended the process: ${ended}${trapped ? ' (trapped by its seccomp filter)' : ''}`;
  return { seccomp, forbiddenCall, active: seccomp === 2 && trapped };
}

/**
 * `start(cwd)` starts a walredo process in that working directory: the measurement runs it in an
 * empty scratch directory, so that a walredo without a sandbox, whose relmap redo then creates
 * base/1/pg_filenode.map relative to it, writes nothing anywhere that matters.
 */
export async function measureSandbox(
  start: (cwd: string) => WalRedoClient,
  major: number,
  timeoutMs = 10000,
): Promise<SandboxReport> {
  const cwd = mkdtempSync(join(tmpdir(), 'pgb-walredo-sandbox-'));
  chmodSync(cwd, 0o755); // the unprivileged walredo must be able to enter it
  const client = start(cwd);
  try {
    await client.ping();
    let seccomp: number | undefined;
    try {
      seccomp = seccompMode(await client.procStatus());
    } catch {
      seccomp = undefined;
    }
    client.writeRaw(
      Buffer.concat([beginRedoForBlock(SANDBOX_TAG), applyRecord(SANDBOX_LSN, relmapUpdateRecord(major))]),
    );
    let ended: string | undefined;
    try {
      await client.ping();
    } catch (e) {
      if (!(e instanceof WalRedoError)) throw e;
      ended = e.message.split('\n')[0];
    }
    if (ended !== undefined) await client.waitExit(timeoutMs);
    return sandboxVerdict(seccomp, ended, client.stderr());
  } finally {
    client.kill();
    rmSync(cwd, { recursive: true, force: true });
  }
}
