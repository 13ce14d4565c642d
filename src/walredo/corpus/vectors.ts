/**
 * Deriving walredo test vectors from WAL written with wal_consistency_checking = all: every block
 * of a checked record carries the page after the change. For each such block, the base page is the
 * block's previous known after-image, the expected page this record's after-image.
 */
import { BLCKSZ, RM, rmgrName, WalFormat } from '../wal/constants';
import { restoreBlockImage } from '../wal/image';
import { RawWalRecord } from '../wal/reader';
import { BlockRef, decodeRecord } from '../wal/record';
import { maskedCopy, maskKindFor, MaskKind } from '../mask/select';
import { MaskError, pageIsNew, setPageLsn } from '../mask/page';
import { BufferTag } from '../protocol';

/**
 * delta: base page + one record; init / fpi: one record that initialises the page or restores a
 * full-page image (no base page); chain: several records of one block in one request, as the
 * storage service sends them (base page or an initialising first record, then A, A, ...).
 */
export type VectorKind = 'delta' | 'init' | 'fpi' | 'chain';

export interface RedoVector {
  id: number;
  rmgr: string;
  kind: VectorKind;
  tag: BufferTag;
  /** The target's block_id in the record (0 = the record's first block reference). */
  blockId: number;
  /** Page pushed with P; absent when the record initialises the page or restores a full-page image. */
  base?: Uint8Array;
  records: { lsn: bigint; endLsn: bigint; raw: Uint8Array }[];
  expected: Uint8Array;
  mask: MaskKind;
  /**
   * Other pd_lsn values a correct result may carry: when the last records leave the page equal
   * after masking (heap VISIBLE does not bump the heap page's LSN without checksums; hash
   * squeeze/delete only lock the bucket page), the LSN is that of the last record that changed it.
   */
  lsnAlternatives?: bigint[];
}

export interface VectorStats {
  records: number;
  vectors: number;
  /** Of the vectors, how many are chains of several records. */
  chains: number;
  byRmgr: Record<string, number>;
  /** Records the storage service applies itself (never sent to walredo), by rmgr. */
  serviceApplied: Record<string, number>;
  /** Blocks of checked rmgrs that gave no vector, by reason. */
  skippedBlocks: Record<string, number>;
  /** Skipped records (service-applied) and blocks (no vector), by rmgr. */
  skippedByRmgr: Record<string, number>;
}

export function emptyVectorStats(): VectorStats {
  return {
    records: 0,
    vectors: 0,
    chains: 0,
    byRmgr: {},
    serviceApplied: {},
    skippedBlocks: {},
    skippedByRmgr: {},
  };
}

/** Resource managers whose records the storage service applies itself or that touch no relation pages. */
export const SERVICE_APPLIED_RMGRS: ReadonlySet<number> = new Set([
  RM.XLOG,
  RM.XACT,
  RM.SMGR,
  RM.CLOG,
  RM.DBASE,
  RM.TBLSPC,
  RM.MULTIXACT,
  RM.RELMAP,
  RM.STANDBY,
  RM.COMMIT_TS,
  RM.REPLORIGIN,
  RM.LOGICALMSG,
]);

const VM_FORK = 2;
/** HEAPBLOCKS_PER_PAGE of visibilitymap.c: (BLCKSZ - MAXALIGN(SizeOfPageHeaderData)) * 4. */
const HEAPBLOCKS_PER_VM_PAGE = (BLCKSZ - 24) * 4;

export function tagKey(t: BufferTag): string {
  return `${t.spcOid}/${t.dbOid}/${t.relNumber}/${t.fork}/${t.blkno}`;
}

function blockTag(b: BlockRef): BufferTag {
  return {
    fork: b.fork,
    spcOid: b.rel.spcOid,
    dbOid: b.rel.dbOid,
    relNumber: b.rel.relNumber,
    blkno: b.blkno,
  };
}

/**
 * True when a heap record clears visibility-map bits as a side effect (the *_ALL_VISIBLE_CLEARED
 * and ALL_FROZEN_CLEARED flags of heapam_xlog.h): redo changes a VM page that is not among the
 * record's blocks, so the storage service clears the bits itself.
 */
export function clearsVisibilityMap(rmid: number, info: number, main: Uint8Array): boolean {
  const op = info & 0x70;
  const flagAt = (at: number, mask: number) => main.length > at && (main[at] & mask) !== 0;
  if (rmid === RM.HEAP) {
    if (op === 0x00) return flagAt(2, 0x01); // INSERT: offnum u16, flags
    if (op === 0x10) return flagAt(7, 0x01); // DELETE: xmax, offnum, infobits, flags
    if (op === 0x20 || op === 0x40) return flagAt(7, 0x03); // UPDATE/HOT_UPDATE: old and new cleared
    if (op === 0x60) return flagAt(7, 0x01); // LOCK: ALL_FROZEN_CLEARED
  } else if (rmid === RM.HEAP2) {
    if (op === 0x50) return flagAt(0, 0x01); // MULTI_INSERT: flags first
    if (op === 0x60) return flagAt(7, 0x01); // LOCK_UPDATED
  }
  return false;
}

/** Records of a block since its chain's base page (or since the record that initialised it). */
interface Chain {
  base?: Uint8Array;
  /** pd_lsn of the base page (undefined without one). */
  baseLsn?: bigint;
  records: { lsn: bigint; endLsn: bigint; raw: Uint8Array }[];
  /** Per record: whether it changed the page (after masking). */
  changed: boolean[];
}

/** The pd_lsn a page has after `records` when the trailing ones did not change it. */
export function lsnAlternatives(chain: Pick<Chain, 'baseLsn' | 'records' | 'changed'>): bigint[] {
  let i = chain.records.length - 1;
  if (i < 0 || chain.changed[i]) return [];
  while (i >= 0 && !chain.changed[i]) i--;
  if (i >= 0) return [chain.records[i].endLsn];
  return chain.baseLsn !== undefined ? [chain.baseLsn] : [];
}

function maskedEqual(kind: MaskKind, a: Uint8Array, b: Uint8Array, blkno: number): boolean {
  try {
    return (
      Buffer.compare(Buffer.from(maskedCopy(kind, a, blkno)), Buffer.from(maskedCopy(kind, b, blkno))) === 0
    );
  } catch (e) {
    if (e instanceof MaskError) return false;
    throw e;
  }
}

/** Records per chain vector. */
export const DEFAULT_CHAIN_LENGTH = 8;

interface KnownPage {
  image: Uint8Array;
  /** End LSN of the record that produced this state (what redo would have stored in pd_lsn). */
  endLsn: bigint;
}

const inc = (m: Record<string, number>, k: string, n = 1) => (m[k] = (m[k] ?? 0) + n);

/**
 * Derives vectors from records in WAL order, lazily; `stats` fills in as the generator advances.
 * Records before `from` (e.g. initdb's, written without consistency checking) only update the
 * known page states: they give no vectors and are not counted.
 */
export function* deriveVectors(
  records: Iterable<RawWalRecord>,
  format: WalFormat,
  stats: VectorStats = emptyVectorStats(),
  from = 0n,
  chainLength = DEFAULT_CHAIN_LENGTH,
): Generator<RedoVector> {
  const known = new Map<string, KnownPage>();
  const chains = new Map<string, Chain>();
  const forget = (key: string) => {
    known.delete(key);
    chains.delete(key);
  };
  let id = 0;
  for (const rec of records) {
    const counted = rec.lsn >= from;
    if (counted) stats.records++;
    const rmid = rec.header.rmid;
    const decoded = decodeRecord(rec.raw, format);
    const serviceApplied = SERVICE_APPLIED_RMGRS.has(rmid);
    const rmgr = rmgrName(rmid);
    if (serviceApplied && counted) {
      inc(stats.serviceApplied, rmgr);
      inc(stats.skippedByRmgr, rmgr);
    }
    const skipBlock = (reason: string) => {
      if (!counted) return;
      inc(stats.skippedBlocks, reason);
      inc(stats.skippedByRmgr, rmgr);
    };
    if (rmid === RM.SMGR) {
      // truncation or creation: forget every page of the relation
      const main = decoded.mainData;
      if (main.length >= 16) {
        const dv = new DataView(main.buffer, main.byteOffset, main.byteLength);
        const rel = `${dv.getUint32(4, true)}/${dv.getUint32(8, true)}/${dv.getUint32(12, true)}/`;
        for (const k of [...known.keys()]) if (k.startsWith(rel)) forget(k);
      }
    }
    if (clearsVisibilityMap(rmid, rec.header.info, decoded.mainData)) {
      for (const b of decoded.blocks) {
        if (b.fork !== 0) continue;
        const vmKey = tagKey({
          ...blockTag(b),
          fork: VM_FORK,
          blkno: Math.floor(b.blkno / HEAPBLOCKS_PER_VM_PAGE),
        });
        forget(vmKey);
      }
    }
    for (const b of decoded.blocks) {
      const tag = blockTag(b);
      const key = tagKey(tag);
      if (!b.image) {
        forget(key);
        if (!serviceApplied) skipBlock('no after-image in the record');
        continue;
      }
      const after = restoreBlockImage(b.image);
      const previous = known.get(key);
      known.set(key, { image: after, endLsn: rec.endLsn });
      if (serviceApplied || !counted) {
        chains.delete(key); // the storage service applies this image itself: a new chain starts after it
        continue;
      }
      const mask = maskKindFor(rmid, b.fork);
      if (!mask) {
        skipBlock(`no mask for rmgr ${rmgr}`);
        continue;
      }
      let kind: VectorKind;
      let base: Uint8Array | undefined;
      if (b.image.apply) kind = 'fpi';
      else if (b.willInit) kind = 'init';
      else if (previous) {
        kind = 'delta';
        base = Uint8Array.from(previous.image);
        if (!pageIsNew(base)) setPageLsn(base, previous.endLsn);
      } else {
        skipBlock('no earlier image of the block');
        continue;
      }
      const one = { lsn: rec.lsn, endLsn: rec.endLsn, raw: rec.raw };
      const changed = !(kind === 'delta' && previous && maskedEqual(mask, previous.image, after, b.blkno));
      const baseLsn = base && !pageIsNew(base) ? previous!.endLsn : undefined;
      const single = lsnAlternatives({ baseLsn, records: [one], changed: [changed] });
      stats.vectors++;
      inc(stats.byRmgr, rmgr);
      yield {
        id: id++,
        rmgr,
        kind,
        tag,
        blockId: b.blockId,
        base,
        records: [one],
        expected: after,
        mask,
        ...(single.length ? { lsnAlternatives: single } : {}),
      };

      // grow this block's chain; emit it as one request when it is long enough
      const chain: Chain =
        kind === 'delta' && chains.has(key) ? chains.get(key)! : { base, baseLsn, records: [], changed: [] };
      chain.records.push(one);
      chain.changed.push(changed);
      chains.set(key, chain);
      if (chainLength > 1 && chain.records.length >= chainLength) {
        chains.delete(key);
        stats.vectors++;
        stats.chains++;
        inc(stats.byRmgr, rmgr);
        const alternatives = lsnAlternatives(chain);
        yield {
          id: id++,
          rmgr,
          kind: 'chain',
          tag,
          blockId: b.blockId,
          base: chain.base,
          records: chain.records,
          expected: after,
          mask,
          ...(alternatives.length ? { lsnAlternatives: alternatives } : {}),
        };
      }
    }
  }
}
