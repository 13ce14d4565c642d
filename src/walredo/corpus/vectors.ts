/**
 * Deriving walredo test vectors from WAL written with wal_consistency_checking = all: every block
 * of a checked record carries the page after the change. For each such block, the base page is the
 * block's previous known after-image, the expected page this record's after-image.
 */
import { BLCKSZ, RM, rmgrName, WalFormat, XLOG_SMGR_TRUNCATE } from '../wal/constants';
import { restoreBlockImage } from '../wal/image';
import { RawWalRecord } from '../wal/reader';
import { BlockRef, decodeRecord, DecodedRecord } from '../wal/record';
import { maskedCopy, maskKindFor, MaskKind } from '../mask/select';
import { MaskError, pageIsNew, setPageLsn } from '../mask/page';
import { BufferTag } from '../protocol';
import { clearsVisibilityMap } from './visibility-map';

/**
 * delta: base page + one record; init / fpi: one record that initialises the page or restores a
 * full-page image (no base page); chain: several records of one block in one request, as the
 * storage service sends them (base page or an initialising first record, then A, A, ...); replay:
 * every record of a block in a WAL sample from its first image or initialising record (or from a
 * later image), answered without an expected page unless its last record carries an after-image.
 */
export type VectorKind = 'delta' | 'init' | 'fpi' | 'chain' | 'replay';

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
  /**
   * The page after the last record, compared under `mask`; absent for a replay chain whose sample
   * holds no image after it: then the answer must be a well-formed page with the last record's
   * end LSN or one of `lsnAlternatives` (mask/compare.ts: replayedPageProblems).
   */
  expected?: Uint8Array;
  mask?: MaskKind;
  /**
   * Other pd_lsn values a correct result may carry: when the last records leave the page equal
   * after masking (heap VISIBLE does not bump the heap page's LSN without checksums; hash
   * squeeze/delete only lock the bucket page), the LSN is that of the last record that changed it.
   */
  lsnAlternatives?: bigint[];
}

/** A vector with the page its answer is compared with (every vector of a generated corpus). */
export type ComparedVector = RedoVector & { expected: Uint8Array; mask: MaskKind };

export function isCompared(v: RedoVector): v is ComparedVector {
  return v.expected !== undefined && v.mask !== undefined;
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
  return `${relationKey(t)}${t.fork}/${t.blkno}`;
}

/** The prefix every tagKey of a relation's pages starts with. */
export function relationKey(r: Pick<BufferTag, 'spcOid' | 'dbOid' | 'relNumber'>): string {
  return `${r.spcOid}/${r.dbOid}/${r.relNumber}/`;
}

export function blockTag(b: BlockRef): BufferTag {
  return {
    fork: b.fork,
    spcOid: b.rel.spcOid,
    dbOid: b.rel.dbOid,
    relNumber: b.rel.relNumber,
    blkno: b.blkno,
  };
}

/**
 * Pages a record changes without naming them as blocks (pure): every page of a relation an smgr
 * record truncates (`relation`: the prefix of their tag keys; a created relation has no pages
 * yet), and the visibility-map pages whose bits a heap record clears as a side effect (`keys`).
 */
export function changedElsewhere(
  rec: RawWalRecord,
  decoded: DecodedRecord,
  options: DeriveOptions,
): { relation?: string; keys: string[] } {
  let relation: string | undefined;
  // xl_smgr_truncate: blkno, then the RelFileLocator
  if (
    rec.header.rmid === RM.SMGR &&
    (rec.header.info & 0xf0) === XLOG_SMGR_TRUNCATE &&
    decoded.mainData.length >= 16
  ) {
    const main = decoded.mainData;
    const dv = new DataView(main.buffer, main.byteOffset, main.byteLength);
    relation = relationKey({
      spcOid: dv.getUint32(4, true),
      dbOid: dv.getUint32(8, true),
      relNumber: dv.getUint32(12, true),
    });
  }
  const keys: string[] = [];
  const dialect = { customName: options.customRmgrs?.[rec.header.rmid], tcid: options.tcidHeap };
  if (clearsVisibilityMap(rec.header.rmid, rec.header.info, decoded.mainData, dialect))
    for (const b of decoded.blocks)
      if (b.fork === 0)
        keys.push(
          tagKey({ ...blockTag(b), fork: VM_FORK, blkno: Math.floor(b.blkno / HEAPBLOCKS_PER_VM_PAGE) }),
        );
  return relation === undefined ? { keys } : { relation, keys };
}

/** What vector derivation knows about the WAL beyond its records. */
export interface DeriveOptions {
  /** custom resource managers by id, as the server that wrote the WAL registered them */
  customRmgrs?: Readonly<Record<number, string>>;
  /** the WAL's heap records carry the fork's t_cid (v14/v15 fork dialect) */
  tcidHeap?: boolean;
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

/** Whether two pages are equal under a mask (false when the mask rejects either layout). */
export function maskedEqual(kind: MaskKind, a: Uint8Array, b: Uint8Array, blkno: number): boolean {
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
  options: DeriveOptions = {},
): Generator<ComparedVector> {
  const deriver = new VectorDeriver(stats, chainLength, options);
  for (const rec of records) {
    const record = deriver.begin(rec, decodeRecord(rec.raw, format), rec.lsn >= from);
    deriver.forgetChangedElsewhere(record);
    for (const b of record.decoded.blocks) yield* deriver.blockVectors(record, b);
  }
}

/** A record being turned into vectors, with what every block of it shares. */
interface RecordInProgress {
  rec: RawWalRecord;
  decoded: DecodedRecord;
  rmgr: string;
  /** at or after `from`: counted and turned into vectors */
  counted: boolean;
  /** a record the storage service applies itself (never sent to walredo) */
  serviceApplied: boolean;
}

/** The state of deriveVectors across records: the last known image and the open chain of each block. */
class VectorDeriver {
  private readonly known = new Map<string, KnownPage>();
  private readonly chains = new Map<string, Chain>();
  private id = 0;

  constructor(
    private readonly stats: VectorStats,
    private readonly chainLength: number,
    private readonly options: DeriveOptions,
  ) {}

  begin(rec: RawWalRecord, decoded: DecodedRecord, counted: boolean): RecordInProgress {
    const rmid = rec.header.rmid;
    const record = {
      rec,
      decoded,
      rmgr: rmgrName(rmid),
      counted,
      serviceApplied: SERVICE_APPLIED_RMGRS.has(rmid),
    };
    if (counted) this.stats.records++;
    if (record.serviceApplied && counted) {
      inc(this.stats.serviceApplied, record.rmgr);
      inc(this.stats.skippedByRmgr, record.rmgr);
    }
    return record;
  }

  /** Forgets the pages a record changes without naming them as blocks. */
  forgetChangedElsewhere({ rec, decoded }: RecordInProgress): void {
    const elsewhere = changedElsewhere(rec, decoded, this.options);
    if (elsewhere.relation !== undefined)
      for (const k of [...this.known.keys()]) if (k.startsWith(elsewhere.relation)) this.forget(k);
    for (const k of elsewhere.keys) this.forget(k);
  }

  /** The vector of one block of a record (and the chain vector it completes), if it gives one. */
  *blockVectors(record: RecordInProgress, b: BlockRef): Generator<ComparedVector> {
    const { rec, rmgr, counted, serviceApplied } = record;
    const tag = blockTag(b);
    const key = tagKey(tag);
    if (!b.image) {
      this.forget(key);
      if (!serviceApplied) this.skipBlock(record, 'no after-image in the record');
      return;
    }
    const after = restoreBlockImage(b.image);
    const previous = this.known.get(key);
    this.known.set(key, { image: after, endLsn: rec.endLsn });
    if (serviceApplied || !counted) {
      this.chains.delete(key); // the storage service applies this image itself: a new chain starts after it
      return;
    }
    const mask = maskKindFor(rec.header.rmid, b.fork, this.options.customRmgrs?.[rec.header.rmid]);
    if (!mask) return this.skipBlock(record, `no mask for rmgr ${rmgr}`);
    const start = vectorStart(b, previous);
    if (!start) return this.skipBlock(record, 'no earlier image of the block');
    const { kind, base } = start;
    const one = { lsn: rec.lsn, endLsn: rec.endLsn, raw: rec.raw };
    const changed = !(kind === 'delta' && previous && maskedEqual(mask, previous.image, after, b.blkno));
    const baseLsn = base && !pageIsNew(base) ? previous!.endLsn : undefined;
    const single = lsnAlternatives({ baseLsn, records: [one], changed: [changed] });
    yield this.vector(
      rmgr,
      { kind, tag, blockId: b.blockId, base, records: [one], expected: after, mask },
      single,
    );

    // grow this block's chain; emit it as one request when it is long enough
    const chain: Chain =
      kind === 'delta' && this.chains.has(key)
        ? this.chains.get(key)!
        : { base, baseLsn, records: [], changed: [] };
    chain.records.push(one);
    chain.changed.push(changed);
    this.chains.set(key, chain);
    if (this.chainLength > 1 && chain.records.length >= this.chainLength) {
      this.chains.delete(key);
      this.stats.chains++;
      const { records } = chain;
      const fields = {
        kind: 'chain' as const,
        tag,
        blockId: b.blockId,
        base: chain.base,
        records,
        expected: after,
        mask,
      };
      yield this.vector(rmgr, fields, lsnAlternatives(chain));
    }
  }

  private vector(
    rmgr: string,
    fields: Omit<ComparedVector, 'id' | 'rmgr'>,
    alternatives: bigint[],
  ): ComparedVector {
    this.stats.vectors++;
    inc(this.stats.byRmgr, rmgr);
    return {
      id: this.id++,
      rmgr,
      ...fields,
      ...(alternatives.length ? { lsnAlternatives: alternatives } : {}),
    };
  }

  private skipBlock({ counted, rmgr }: RecordInProgress, reason: string): void {
    if (!counted) return;
    inc(this.stats.skippedBlocks, reason);
    inc(this.stats.skippedByRmgr, rmgr);
  }

  private forget(key: string): void {
    this.known.delete(key);
    this.chains.delete(key);
  }
}

/** How a block's vector starts: a full-page image, an initialised page, or the block's earlier image. */
function vectorStart(
  b: BlockRef,
  previous: KnownPage | undefined,
): { kind: VectorKind; base?: Uint8Array } | undefined {
  if (b.image!.apply) return { kind: 'fpi' };
  if (b.willInit) return { kind: 'init' };
  if (!previous) return undefined;
  const base = Uint8Array.from(previous.image);
  if (!pageIsNew(base)) setPageLsn(base, previous.endLsn);
  return { kind: 'delta', base };
}
