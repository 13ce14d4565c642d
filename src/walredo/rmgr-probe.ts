/**
 * Which resource managers a walredo process can replay, measured from the binary (not taken from
 * the build's configuration): for every id 0..255 it is sent a record of that resource manager
 * that references no block. A process that knows the id decodes it and answers the G that follows;
 * one that does not ends with an error naming the resource manager (and is started again for the
 * next id). Ids 128..255 are custom resource managers (RegisterCustomRmgr, PostgreSQL 15+).
 *
 * That holds only for a walredo that checks the id before replaying. The storage service's
 * neon_walredo calls the record's redo function straight from RmgrTable: an id nobody registered
 * crashes it, and an empty record of a known rmgr may crash it too, so what it answers says nothing
 * about which rmgrs it knows. The probe first sends an id no module can register (127): unless the
 * process ends with an error that names a resource manager, the list is recorded as not measurable.
 */
import { RmgrSet } from '../core/manifest';
import { WalRedoClient, WalRedoError } from './client';
import { rmgrName } from './wal/constants';
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

/**
 * The resource managers a walredo replayed records of, from the vectors it passed (pure): the
 * measure for a walredo the probe cannot measure (it replays these at least; an rmgr the corpus has
 * no records of is not listed).
 */
export function rmgrsFromVectors(byRmgr: Readonly<Record<string, { passed: number }>>): RmgrSet {
  const ids: number[] = [];
  for (let id = 0; id <= 255; id++) if ((byRmgr[rmgrName(id)]?.passed ?? 0) > 0) ids.push(id);
  return rmgrSet(ids);
}

/** Splits measured ids into built-in and custom (pure). */
export function rmgrSet(ids: readonly number[]): RmgrSet {
  const sorted = [...ids].sort((a, b) => a - b);
  return {
    builtin: sorted.filter((id) => id < FIRST_CUSTOM_RMGR_ID),
    custom: sorted.filter((id) => id >= FIRST_CUSTOM_RMGR_ID),
  };
}

/**
 * An id no module can register (built-in ids end below it, custom ones start at 128): a walredo
 * that checks ids refuses it by name.
 */
export const UNREGISTERED_RMGR_ID = 127;

export type RmgrProbe = { measured: RmgrSet } | { notMeasurable: string };

function probeRequest(rmid: number): Buffer {
  return Buffer.concat([
    beginRedoForBlock(PROBE_TAG),
    applyRecord(PROBE_LSN, emptyRecord(rmid)),
    getPage(PROBE_TAG),
  ]);
}

/**
 * Why a walredo's answer to a record of an unregistered rmgr does not tell which rmgrs it knows
 * (pure): undefined when it refused the id by name, as a checking walredo does.
 */
export function unmeasurableReason(outcome: { answered: true } | { error: string }): string | undefined {
  if ('answered' in outcome)
    return `it answered a record of resource manager ${UNREGISTERED_RMGR_ID}, which no module registers: it does not check resource manager ids`;
  // an error (not a LOG line such as "registered custom resource manager") that names the id
  const refused = new RegExp(
    `(ERROR|FATAL|PANIC):.*(resource manager (with )?ID ${UNREGISTERED_RMGR_ID}\\b|ID ${UNREGISTERED_RMGR_ID} not registered)`,
    'i',
  );
  if (refused.test(outcome.error)) return undefined;
  return `a record of resource manager ${UNREGISTERED_RMGR_ID}, which no module registers, ended it without naming the resource manager (${outcome.error.split('\n')[0]}): it calls redo without checking the id, as the storage service's neon_walredo does`;
}

export async function probeResourceManagers(start: () => WalRedoClient): Promise<RmgrProbe> {
  const known: number[] = [];
  let client = start();
  try {
    let outcome: { answered: true } | { error: string };
    try {
      await client.send(probeRequest(UNREGISTERED_RMGR_ID), 1)[0];
      outcome = { answered: true };
    } catch (e) {
      if (!(e instanceof WalRedoError)) throw e;
      outcome = { error: e.message };
    }
    const reason = unmeasurableReason(outcome);
    if (reason) return { notMeasurable: reason };
    client.kill();
    client = start();
    for (let rmid = 0; rmid <= 255; rmid++) {
      if (rmid === UNREGISTERED_RMGR_ID) continue;
      try {
        await client.send(probeRequest(rmid), 1)[0];
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
  return { measured: rmgrSet(known) };
}
