/**
 * Which WAL dialect a sample is in, read from its records (pure). Upstream PostgreSQL and the
 * storage service's fork write different heap records for the same operation:
 *   - v14/v15: the fork adds the command id `t_cid` to the heap DELETE, UPDATE and LOCK records
 *     (libs/postgres_ffi/src/walrecord.rs), so their main data is longer: LOCK 14 bytes instead of 8,
 *     UPDATE/HOT_UPDATE 18 instead of 14 and DELETE 14 instead of 8 when they carry no old tuple;
 *   - v16+: the fork writes those records under a custom resource manager (id 134, `neon_rmgr`);
 *     any record of an id 128..255 shows a custom resource manager.
 *   - INSERT and MULTI_INSERT main data is the same in both, but their tuple headers (block data)
 *     carry t_cid before t_hoff in the fork;
 * A record that could be either (one carrying old-tuple data for logical decoding) is no evidence.
 */
import { formatLsn, HEAP_OP, HEAP2_OP, RM, XLOG_HEAP_OPMASK } from './constants';

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
  /** the data of the record's first block reference (INSERT and MULTI_INSERT carry tuple headers there) */
  block0?: Uint8Array;
}

const { DELETE: HEAP_DELETE, UPDATE: HEAP_UPDATE, HOT_UPDATE: HEAP_HOT_UPDATE, LOCK: HEAP_LOCK } = HEAP_OP;
/** XLH_UPDATE_CONTAINS_OLD_TUPLE (1<<2) | XLH_UPDATE_CONTAINS_OLD_KEY (1<<3) */
const UPDATE_OLD_DATA = 0x04 | 0x08;
/** XLH_DELETE_CONTAINS_OLD_TUPLE (1<<1) | XLH_DELETE_CONTAINS_OLD_KEY (1<<2) */
const DELETE_OLD_DATA = 0x02 | 0x04;

/** Which layout one heap record's length shows, if any (pure). */
export function heapRecordLayout(rmid: number, info: number, main: Uint8Array): DialectKind | undefined {
  if (rmid !== RM.HEAP) return undefined;
  const op = info & XLOG_HEAP_OPMASK;
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

/** A heap tuple's t_hoff: at least SizeofHeapTupleHeader (23), MAXALIGNed (pure). */
function validHoff(b: number | undefined): boolean {
  return b !== undefined && b >= 24 && b % 8 === 0;
}

/**
 * Which layout the tuple header at the start of an INSERT's or MULTI_INSERT's block data shows
 * (pure). INSERT: xl_heap_header, t_hoff at byte 4 upstream, at 8 with the fork's t_cid (whose low
 * byte, a small command id, sits at 4). MULTI_INSERT (heap2 0x50): the first xl_multi_insert_tuple,
 * t_hoff at 6 upstream, at 12 in the fork's layout (padding at 6). Evidence only when exactly one
 * reading gives a valid t_hoff.
 */
export function tupleHeaderLayout(
  rmid: number,
  info: number,
  block0: Uint8Array | undefined,
): DialectKind | undefined {
  let at: [number, number] | undefined;
  if (rmid === RM.HEAP && (info & XLOG_HEAP_OPMASK) === HEAP_OP.INSERT) at = [4, 8];
  else if (rmid === RM.HEAP2 && (info & XLOG_HEAP_OPMASK) === HEAP2_OP.MULTI_INSERT) at = [6, 12];
  if (!at || !block0) return undefined;
  const upstream = validHoff(block0[at[0]]);
  const fork = validHoff(block0[at[1]]);
  if (upstream === fork) return undefined;
  return upstream ? 'upstream' : 'fork-tcid';
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
  const byLength = heapRecordLayout(r.rmid, r.info, r.main);
  const byTuple = byLength ? undefined : tupleHeaderLayout(r.rmid, r.info, r.block0);
  const layout = byLength ?? byTuple;
  if (layout === 'upstream') ev.upstream++;
  if (layout === 'fork-tcid') {
    ev.tcid++;
    ev.firstTcid ??= {
      lsn: r.lsn,
      what: byLength
        ? `Heap ${OP_NAMES[r.info & XLOG_HEAP_OPMASK]} of ${r.main.length} bytes`
        : `${r.rmid === RM.HEAP ? 'Heap INSERT' : 'Heap2 MULTI_INSERT'} whose tuple header has t_hoff after a t_cid`,
    };
  }
}

export interface Dialect {
  kind: DialectKind | 'mixed' | 'unknown';
  /** one line for people: what the sample shows */
  summary: string;
  customRmgrs: number[];
}

/** The verdict from the evidence (pure). */
export function dialectOf(ev: DialectEvidence): Dialect {
  const customRmgrs = [...ev.custom.keys()].sort((a, b) => a - b);
  const custom = customRmgrs.length
    ? `; records of custom resource managers ${customRmgrs.map((id) => `${id} (${ev.custom.get(id)})`).join(', ')}`
    : '';
  const first = ev.firstTcid ? `, the first at ${formatLsn(ev.firstTcid.lsn)}: ${ev.firstTcid.what}` : '';
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
