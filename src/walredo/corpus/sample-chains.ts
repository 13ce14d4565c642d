/**
 * Vectors of a WAL sample (verify --wal), as the storage service reconstructs a page: for every
 * block, from its first full-page image or initialising record, every later record that names the
 * block, in one request. A sample written with wal_consistency_checking carries the page after a
 * record: there the chain is compared with it and the next one starts from it; elsewhere a chain
 * runs until the block is restored or initialised again, its relation truncated or its
 * visibility-map bits cleared behind walredo's back (the storage service does both itself), or
 * the sample ends, and its answer is judged without an expected page: a well-formed page with the
 * pd_lsn its last record stamps (mask/compare.ts: replayedPageProblems).
 */
import { HASH_OP, HEAP2_OP, RM, rmgrName, WalFormat, XLOG_HEAP_OPMASK } from '../wal/constants';
import { canRestore, restoreBlockImage } from '../wal/image';
import { RawWalRecord } from '../wal/reader';
import { BlockImage, BlockRef, decodeRecord, DecodedRecord, readRecordHeader } from '../wal/record';
import { pageIsNew, pageLsn, setPageLsn } from '../mask/page';
import { maskKindFor, MaskKind } from '../mask/select';
import { BufferTag } from '../protocol';
import {
  blockTag,
  changedElsewhere,
  DeriveOptions,
  maskedEqual,
  RedoVector,
  relationKey,
  SERVICE_APPLIED_RMGRS,
  tagKey,
  VectorStats,
} from './vectors';

/** Why a block reference of a sample gives no vector. */
export const NO_START = 'no full-page image or initialising record of the block before it in the sample';

type ChainRecord = RedoVector['records'][number];

interface OpenChain {
  tag: BufferTag;
  blockId: number;
  /**
   * The page before the records: an image the storage service applied, or a compared after-image,
   * stamped with its record's end LSN; restored only when the chain is sent (most are never joined).
   */
  base?: { image: BlockImage; endLsn: bigint };
  records: ChainRecord[];
}

/**
 * Whether a record's redo may leave a block it names without stamping its pd_lsn (pure): heap2
 * VISIBLE (the heap page without checksums; the map page when its bits were set already), the
 * hash records that name the bucket page for its cleanup lock only, and custom resource managers
 * other than the storage service's `neon` (whose redo is not known here). Every other record
 * stamps each block it names with its end LSN.
 */
export function mayLeaveLsn(rmid: number, info: number, customName?: string): boolean {
  if (rmid === RM.HEAP2) return (info & XLOG_HEAP_OPMASK) === HEAP2_OP.VISIBLE;
  // hash records use the whole high nibble (XLR_INFO_MASK is the low one)
  const op = info & 0xf0;
  if (rmid === RM.HASH)
    return op === HASH_OP.MOVE_PAGE_CONTENTS || op === HASH_OP.SQUEEZE_PAGE || op === HASH_OP.DELETE;
  return rmid >= 128 && customName !== 'neon';
}

const inc = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

/** The replay and comparison vectors of a sample's records, in WAL order, lazily; `stats` fills in. */
export function* sampleVectors(
  records: Iterable<RawWalRecord>,
  format: WalFormat,
  stats: VectorStats,
  options: DeriveOptions = {},
): Generator<RedoVector> {
  const chains = new SampleChains(stats, options);
  for (const rec of records) yield* chains.add(rec, decodeRecord(rec.raw, format));
  yield* chains.closeAll();
}

/** The open chain of every block, and the vectors they give as records arrive (decoded). */
export class SampleChains {
  private readonly open = new Map<string, OpenChain>();
  /** open chains by relation (the prefix of their keys), for a truncation */
  private readonly byRelation = new Map<string, Set<string>>();
  private id = 0;

  constructor(
    private readonly stats: VectorStats,
    private readonly options: DeriveOptions,
  ) {}

  *add(rec: RawWalRecord, decoded: DecodedRecord): Generator<RedoVector> {
    const rmid = rec.header.rmid;
    this.stats.records++;
    // pages changed behind walredo's back: their chains end before this record
    const elsewhere = changedElsewhere(rec, decoded, this.options);
    if (elsewhere.relation !== undefined)
      for (const key of [...(this.byRelation.get(elsewhere.relation) ?? [])]) yield* this.close(key);
    for (const key of elsewhere.keys) yield* this.close(key);
    const serviceApplied = SERVICE_APPLIED_RMGRS.has(rmid);
    if (serviceApplied) {
      inc(this.stats.serviceApplied, rmgrName(rmid));
      inc(this.stats.skippedByRmgr, rmgrName(rmid));
    }
    for (const b of decoded.blocks) {
      const key = tagKey(blockTag(b));
      if (serviceApplied) yield* this.serviceApplied(key, b, rec);
      else yield* this.replayed(key, b, rec);
    }
  }

  *closeAll(): Generator<RedoVector> {
    for (const key of [...this.open.keys()]) yield* this.close(key);
  }

  /**
   * A record the storage service applies itself: its image (if any) is the base of the next chain;
   * an image this reader cannot restore (lz4, zstd) is sent to walredo as the chain's first record,
   * as the storage service does.
   */
  private *serviceApplied(key: string, b: BlockRef, rec: RawWalRecord): Generator<RedoVector> {
    yield* this.close(key);
    if (!b.image) return;
    if (canRestore(b.image)) this.setOpen(key, this.rebased(b, rec, b.image));
    else this.setOpen(key, { tag: blockTag(b), blockId: b.blockId, records: [chainRecord(rec)] });
  }

  /** A record walredo replays: it starts, extends, or (with an after-image) completes the block's chain. */
  private *replayed(key: string, b: BlockRef, rec: RawWalRecord): Generator<RedoVector> {
    const rmid = rec.header.rmid;
    let chain = this.open.get(key);
    const checkImage = b.image && !b.image.apply && canRestore(b.image) ? b.image : undefined;
    if (b.image?.apply || b.willInit) {
      if (chain) yield* this.close(key);
      chain = { tag: blockTag(b), blockId: b.blockId, records: [chainRecord(rec)] };
      this.setOpen(key, chain);
    } else if (chain) {
      chain.records.push(chainRecord(rec));
    } else {
      inc(this.stats.skippedBlocks, NO_START);
      inc(this.stats.skippedByRmgr, rmgrName(rmid));
      // the page after this record is known when it carries it: the next chain starts there
      if (checkImage) this.setOpen(key, this.rebased(b, rec, checkImage));
      return;
    }
    // a consistency-checking image (not applied by redo): the page after this record, to compare with
    if (!checkImage) return;
    const mask = maskKindFor(rmid, b.fork, this.options.customRmgrs?.[rmid]);
    this.deleteOpen(key);
    yield this.vector(chain, mask ? { expected: restoreBlockImage(checkImage), mask } : undefined);
    this.setOpen(key, this.rebased(b, rec, checkImage));
  }

  /** A chain that starts from a known page: the record's image, stamped with its end LSN. */
  private rebased(b: BlockRef, rec: RawWalRecord, image: BlockImage): OpenChain {
    return { tag: blockTag(b), blockId: b.blockId, base: { image, endLsn: rec.endLsn }, records: [] };
  }

  private *close(key: string): Generator<RedoVector> {
    const chain = this.open.get(key);
    if (!chain) return;
    this.deleteOpen(key);
    if (chain.records.length) yield this.vector(chain, undefined);
  }

  private setOpen(key: string, chain: OpenChain): void {
    this.open.set(key, chain);
    const rel = relationKey(chain.tag);
    let keys = this.byRelation.get(rel);
    if (!keys) this.byRelation.set(rel, (keys = new Set()));
    keys.add(key);
  }

  private deleteOpen(key: string): void {
    const chain = this.open.get(key);
    if (!chain) return;
    this.open.delete(key);
    const rel = relationKey(chain.tag);
    const keys = this.byRelation.get(rel);
    keys?.delete(key);
    if (keys?.size === 0) this.byRelation.delete(rel);
  }

  /** The vector of a chain: compared with `check` when given, otherwise judged by its answer. */
  private vector(chain: OpenChain, check: { expected: Uint8Array; mask: MaskKind } | undefined): RedoVector {
    const last = chain.records[chain.records.length - 1];
    const rmgr = rmgrName(readRecordHeader(last.raw).rmid);
    this.stats.vectors++;
    if (chain.records.length > 1) this.stats.chains++;
    inc(this.stats.byRmgr, rmgr);
    const base = chain.base ? basePage(chain.base) : undefined;
    const alternatives = check
      ? comparedAlternatives(chain, base, check, this.options)
      : unstampedAlternatives(chain, base, this.options);
    return {
      id: this.id++,
      rmgr,
      kind: 'replay',
      tag: chain.tag,
      blockId: chain.blockId,
      ...(base ? { base } : {}),
      records: chain.records,
      ...(check ?? {}),
      ...(alternatives.length ? { lsnAlternatives: alternatives } : {}),
    };
  }
}

function chainRecord(rec: RawWalRecord): ChainRecord {
  return { lsn: rec.lsn, endLsn: rec.endLsn, raw: rec.raw };
}

function basePage(base: { image: BlockImage; endLsn: bigint }): Uint8Array {
  const page = restoreBlockImage(base.image);
  if (!pageIsNew(page)) setPageLsn(page, base.endLsn);
  return page;
}

/**
 * The pd_lsn values other than the last record's end LSN a replayed page may carry: walking back
 * from the last record while the records may leave the page unstamped (mayLeaveLsn), the end LSN
 * of the record before each, and the base page's LSN when every record may.
 */
function unstampedAlternatives(
  chain: OpenChain,
  base: Uint8Array | undefined,
  options: DeriveOptions,
): bigint[] {
  const out: bigint[] = [];
  for (let i = chain.records.length - 1; i >= 0; i--) {
    const { rmid, info } = readRecordHeader(chain.records[i].raw);
    if (!mayLeaveLsn(rmid, info, options.customRmgrs?.[rmid])) return out;
    if (i > 0) out.push(chain.records[i - 1].endLsn);
  }
  if (base && !pageIsNew(base)) out.push(pageLsn(base));
  return out;
}

/**
 * For a compared chain: one record on a base page that it leaves equal after masking keeps the
 * base's LSN (whatever the record); otherwise as for an uncompared chain.
 */
function comparedAlternatives(
  chain: OpenChain,
  base: Uint8Array | undefined,
  check: { expected: Uint8Array; mask: MaskKind },
  options: DeriveOptions,
): bigint[] {
  if (
    chain.records.length === 1 &&
    base &&
    !pageIsNew(base) &&
    maskedEqual(check.mask, base, check.expected, chain.tag.blkno)
  )
    return [pageLsn(base)];
  return unstampedAlternatives(chain, base, options);
}
