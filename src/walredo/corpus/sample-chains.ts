/**
 * Vectors of a WAL sample (verify --wal), as the storage service reconstructs a page: for every
 * block, from its first full-page image or initialising record, every later record that names the
 * block, in one request. A sample written with wal_consistency_checking carries the page after a
 * record: there the chain is compared with it and the next one starts from it; elsewhere a chain
 * runs until the block is restored, initialised or changed behind walredo's back again (or the
 * sample ends), and its answer is judged without an expected page (mask/compare.ts:
 * replayedPageProblems).
 */
import { rmgrName, WalFormat } from '../wal/constants';
import { restoreBlockImage } from '../wal/image';
import { RawWalRecord } from '../wal/reader';
import { BlockRef, decodeRecord } from '../wal/record';
import { MaskError, pageIsNew, pageLsn, setPageLsn } from '../mask/page';
import { maskedCopy, maskKindFor, MaskKind } from '../mask/select';
import { BufferTag } from '../protocol';
import {
  blockTag,
  changedElsewhere,
  DeriveOptions,
  RedoVector,
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
  /** the page before the records: an image the storage service applied, or a compared after-image */
  base?: Uint8Array;
  records: ChainRecord[];
  /** resource manager of the last record */
  rmid: number;
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
  for (const rec of records) yield* chains.add(rec, format);
  yield* chains.closeAll();
}

class SampleChains {
  private readonly open = new Map<string, OpenChain>();
  private id = 0;

  constructor(
    private readonly stats: VectorStats,
    private readonly options: DeriveOptions,
  ) {}

  *add(rec: RawWalRecord, format: WalFormat): Generator<RedoVector> {
    const decoded = decodeRecord(rec.raw, format);
    const rmid = rec.header.rmid;
    this.stats.records++;
    // pages changed behind walredo's back: their chains end before this record (a look-up per
    // visibility-map page; a scan of the open chains only for the rare smgr record)
    const elsewhere = changedElsewhere(rec, decoded, this.options);
    const { relation } = elsewhere;
    if (relation !== undefined)
      for (const key of [...this.open.keys()]) if (key.startsWith(relation)) yield* this.close(key);
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

  /** A record the storage service applies itself: its image (if any) is the base of the next chain. */
  private *serviceApplied(key: string, b: BlockRef, rec: RawWalRecord): Generator<RedoVector> {
    yield* this.close(key);
    if (b.image) this.open.set(key, this.rebased(b, rec, restoreBlockImage(b.image), rec.header.rmid));
  }

  /** A record walredo replays: it starts, extends, or (with an after-image) completes the block's chain. */
  private *replayed(key: string, b: BlockRef, rec: RawWalRecord): Generator<RedoVector> {
    const one = { lsn: rec.lsn, endLsn: rec.endLsn, raw: rec.raw };
    const rmid = rec.header.rmid;
    let chain = this.open.get(key);
    if (b.image?.apply || b.willInit) {
      if (chain) yield* this.close(key);
      chain = { tag: blockTag(b), blockId: b.blockId, records: [one], rmid };
      this.open.set(key, chain);
    } else if (chain) {
      chain.records.push(one);
      chain.rmid = rmid;
    } else {
      inc(this.stats.skippedBlocks, NO_START);
      inc(this.stats.skippedByRmgr, rmgrName(rmid));
      // the page after this record is known when it carries it: the next chain starts there
      if (b.image) this.open.set(key, this.rebased(b, rec, restoreBlockImage(b.image), rmid));
      return;
    }
    // a consistency-checking image (not applied by redo): the page after this record, to compare with
    if (!b.image || b.image.apply) return;
    const after = restoreBlockImage(b.image);
    const mask = maskKindFor(rmid, b.fork, this.options.customRmgrs?.[rmid]);
    this.open.delete(key);
    yield mask ? this.compared(chain, after, mask) : this.answered(chain);
    this.open.set(key, this.rebased(b, rec, after, rmid));
  }

  /** A chain that starts from a known page (the record's image, stamped with its end LSN). */
  private rebased(b: BlockRef, rec: RawWalRecord, image: Uint8Array, rmid: number): OpenChain {
    const base = Uint8Array.from(image);
    if (!pageIsNew(base)) setPageLsn(base, rec.endLsn);
    return { tag: blockTag(b), blockId: b.blockId, base, records: [], rmid };
  }

  private *close(key: string): Generator<RedoVector> {
    const chain = this.open.get(key);
    this.open.delete(key);
    if (chain && chain.records.length) yield this.answered(chain);
  }

  *closeAll(): Generator<RedoVector> {
    for (const key of [...this.open.keys()]) yield* this.close(key);
  }

  private answered(chain: OpenChain): RedoVector {
    return this.vector(chain, {});
  }

  private compared(chain: OpenChain, expected: Uint8Array, mask: MaskKind): RedoVector {
    return this.vector(chain, { expected, mask, lsnAlternatives: unchangedLsns(chain, expected, mask) });
  }

  private vector(
    chain: OpenChain,
    check: Pick<RedoVector, 'expected' | 'mask' | 'lsnAlternatives'>,
  ): RedoVector {
    const rmgr = rmgrName(chain.rmid);
    this.stats.vectors++;
    if (chain.records.length > 1) this.stats.chains++;
    inc(this.stats.byRmgr, rmgr);
    const { tag, blockId, base, records } = chain;
    return {
      id: this.id++,
      rmgr,
      kind: 'replay',
      tag,
      blockId,
      ...(base ? { base } : {}),
      records,
      ...(check.expected ? { expected: check.expected, mask: check.mask } : {}),
      ...(check.lsnAlternatives?.length ? { lsnAlternatives: check.lsnAlternatives } : {}),
    };
  }
}

/**
 * The other pd_lsn values a compared page may carry: a record that leaves the page equal after
 * masking does not stamp it (heap VISIBLE without checksums), so with one record the base's LSN;
 * with several, whose pages between are not known, any earlier record's or the base's.
 */
function unchangedLsns(chain: OpenChain, expected: Uint8Array, mask: MaskKind): bigint[] {
  const { base, records } = chain;
  const baseLsn = base && !pageIsNew(base) ? [pageLsn(base)] : [];
  if (records.length > 1) return [...baseLsn, ...records.slice(0, -1).map((r) => r.endLsn)];
  if (!base || !baseLsn.length) return [];
  try {
    const a = maskedCopy(mask, base, chain.tag.blkno);
    const b = maskedCopy(mask, expected, chain.tag.blkno);
    return Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0 ? baseLsn : [];
  } catch (e) {
    if (e instanceof MaskError) return [];
    throw e;
  }
}
