/**
 * Which resource managers a walredo process can replay, measured from the binary (not taken from
 * the build's configuration): for every id 0..255 it is sent a record of that resource manager
 * that references no block. A process that knows the id decodes it and answers the G that follows;
 * one that does not ends with "unknown resource manager ID" (and is started again for the next id).
 * Ids 128..255 are custom resource managers (RegisterCustomRmgr, PostgreSQL 15+).
 */
import { RmgrSet } from '../core/manifest';
import { WalRedoClient, WalRedoError } from './client';
import { applyRecord, beginRedoForBlock, BufferTag, getPage } from './protocol';

export const FIRST_CUSTOM_RMGR_ID = 128;
const PROBE_TAG: BufferTag = { fork: 0, spcOid: 1663, dbOid: 1, relNumber: 1, blkno: 0 };
const PROBE_LSN = 0x1000018n;

/** A WAL record of resource manager `rmid` with no block reference and no data (pure). */
export function emptyRecord(rmid: number): Buffer {
  const record = Buffer.alloc(24);
  record.writeUInt32LE(24, 0); // xl_tot_len
  record.writeUInt8(rmid, 17); // xl_rmid (after xl_xid u32, xl_prev u64, xl_info u8)
  return record;
}

/** Splits measured ids into built-in and custom (pure). */
export function rmgrSet(ids: readonly number[]): RmgrSet {
  const sorted = [...ids].sort((a, b) => a - b);
  return {
    builtin: sorted.filter((id) => id < FIRST_CUSTOM_RMGR_ID),
    custom: sorted.filter((id) => id >= FIRST_CUSTOM_RMGR_ID),
  };
}

export async function probeResourceManagers(start: () => WalRedoClient): Promise<RmgrSet> {
  const known: number[] = [];
  let client = start();
  try {
    for (let rmid = 0; rmid <= 255; rmid++) {
      const request = Buffer.concat([
        beginRedoForBlock(PROBE_TAG),
        applyRecord(PROBE_LSN, emptyRecord(rmid)),
        getPage(PROBE_TAG),
      ]);
      try {
        await client.send(request, 1)[0];
        known.push(rmid);
      } catch (e) {
        if (!(e instanceof WalRedoError)) throw e;
        client.kill();
        client = start();
      }
    }
  } finally {
    client.kill();
  }
  return rmgrSet(known);
}
