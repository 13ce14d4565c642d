/**
 * Which WAL dialect a sample is in, read from its records (pure). Upstream PostgreSQL and the
 * storage service's fork write different heap records for the same operation:
 *   - v14/v15: the fork adds the command id `t_cid` to the heap DELETE, UPDATE and LOCK records
 *     (libs/postgres_ffi/src/walrecord.rs), so their main data is longer: LOCK 14 bytes instead of 8,
 *     UPDATE/HOT_UPDATE 18 instead of 14 and DELETE 14 instead of 8 when they carry no old tuple;
 *   - v16+: the fork writes those records under a custom resource manager (id 134, `neon_rmgr`);
 *     any record of an id 128..255 shows a custom resource manager.
 * A record that could be either (one carrying old-tuple data for logical decoding) is no evidence.
 */
import { RM } from './constants';

export type DialectKind = 'upstream' | 'fork-tcid';

export interface DialectEvidence {
  /** heap records whose length only upstream's layout explains */
  upstream: number;
  /** heap records whose length only the fork's t_cid layout explains */
  tcid: number;
  /** the first such fork record */
  firstTcid?: { lsn: bigint; what: string };
  /** custom resource manager ids present, with their record counts */
  custom: Map<number, number>;
}

export interface SampleRecord {
  lsn: bigint;
  rmid: number;
  info: number;
  main: Uint8Array;
}

const HEAP_DELETE = 0x10;
const HEAP_UPDATE = 0x20;
const HEAP_HOT_UPDATE = 0x40;
const HEAP_LOCK = 0x60;
/** XLH_UPDATE_CONTAINS_OLD_TUPLE (1<<2) | XLH_UPDATE_CONTAINS_OLD_KEY (1<<3) */
const UPDATE_OLD_DATA = 0x04 | 0x08;
/** XLH_DELETE_CONTAINS_OLD_TUPLE (1<<1) | XLH_DELETE_CONTAINS_OLD_KEY (1<<2) */
const DELETE_OLD_DATA = 0x02 | 0x04;

/** Which layout one heap record's length shows, if any (pure). */
export function heapRecordLayout(rmid: number, info: number, main: Uint8Array): DialectKind | undefined {
  if (rmid !== RM.HEAP) return undefined;
  const op = info & 0x70;
  const len = main.length;
  if (op === HEAP_LOCK) return len === 8 ? 'upstream' : len === 14 ? 'fork-tcid' : undefined;
  if (op === HEAP_UPDATE || op === HEAP_HOT_UPDATE) {
    if (len < 8 || (main[7] & UPDATE_OLD_DATA) !== 0) return undefined;
    return len === 14 ? 'upstream' : len === 18 ? 'fork-tcid' : undefined;
  }
  if (op === HEAP_DELETE) {
    if (len === 8 && (main[7] & DELETE_OLD_DATA) === 0) return 'upstream';
    // 14 bytes and no old data by either layout's flags: an upstream DELETE with old data (flags at
    // 7) is never shorter than 8 + 5 + 1, so byte 7 must say so when it is upstream's
    if (len === 14 && (main[13] & DELETE_OLD_DATA) === 0 && (main[7] & DELETE_OLD_DATA) === 0)
      return 'fork-tcid';
  }
  return undefined;
}

const OP_NAMES: Record<number, string> = {
  [HEAP_DELETE]: 'DELETE',
  [HEAP_UPDATE]: 'UPDATE',
  [HEAP_HOT_UPDATE]: 'HOT_UPDATE',
  [HEAP_LOCK]: 'LOCK',
};

export function emptyEvidence(): DialectEvidence {
  return { upstream: 0, tcid: 0, custom: new Map() };
}

/** Adds one record's evidence (pure but for `ev`). */
export function addEvidence(ev: DialectEvidence, r: SampleRecord): void {
  if (r.rmid >= 128) ev.custom.set(r.rmid, (ev.custom.get(r.rmid) ?? 0) + 1);
  const layout = heapRecordLayout(r.rmid, r.info, r.main);
  if (layout === 'upstream') ev.upstream++;
  if (layout === 'fork-tcid') {
    ev.tcid++;
    ev.firstTcid ??= { lsn: r.lsn, what: `Heap ${OP_NAMES[r.info & 0x70]} of ${r.main.length} bytes` };
  }
}

export interface Dialect {
  kind: DialectKind | 'mixed' | 'unknown';
  /** one line for people: what the sample shows */
  summary: string;
  customRmgrs: number[];
}

const hex = (lsn: bigint) =>
  `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;

/** The verdict from the evidence (pure). */
export function dialectOf(ev: DialectEvidence): Dialect {
  const customRmgrs = [...ev.custom.keys()].sort((a, b) => a - b);
  const custom = customRmgrs.length
    ? `; records of custom resource managers ${customRmgrs.map((id) => `${id} (${ev.custom.get(id)})`).join(', ')}`
    : '';
  const first = ev.firstTcid ? `, the first at ${hex(ev.firstTcid.lsn)}: ${ev.firstTcid.what}` : '';
  if (ev.tcid > 0 && ev.upstream > 0)
    return {
      kind: 'mixed',
      summary: `both heap layouts: ${ev.tcid} records with the fork's t_cid${first} and ${ev.upstream} upstream ones${custom}`,
      customRmgrs,
    };
  if (ev.tcid > 0)
    return {
      kind: 'fork-tcid',
      summary: `the storage service's fork dialect: ${ev.tcid} heap records with t_cid${first}${custom}`,
      customRmgrs,
    };
  if (ev.upstream > 0)
    return {
      kind: 'upstream',
      summary: `upstream heap records (${ev.upstream} told apart by length)${custom}`,
      customRmgrs,
    };
  return {
    kind: 'unknown',
    summary: `no heap DELETE, UPDATE or LOCK record tells the layout${custom}`,
    customRmgrs,
  };
}
