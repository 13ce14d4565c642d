import {
  mayLeaveLsn,
  NO_START,
  SampleChains,
  sampleVectors,
} from '../../../src/walredo/corpus/sample-chains';
import { judgeVector } from '../../../src/walredo/suite/run-vectors';
import { HEAP2_OP, RM, XLOG_SMGR_TRUNCATE } from '../../../src/walredo/wal/constants';
import {
  emptyVectorStats,
  isCompared,
  RedoVector,
  SERVICE_APPLIED_RMGRS,
  tagKey,
} from '../../../src/walredo/corpus/vectors';
import { pageIsNew, pageLsn, setPageLsn } from '../../../src/walredo/mask/page';
import { loadWalDirectory } from '../../../src/walredo/wal/files';
import { RawWalRecord, WalReader } from '../../../src/walredo/wal/reader';
import { BlockRef, decodeRecord, DecodedRecord } from '../../../src/walredo/wal/record';
import { storedVectors, walFixture } from './fixtures';

// the stored workload WAL: the first of initdb's records (the fixture keeps the segment's first
// page of them) and the workload's (wal_consistency_checking = all) from `from`; a sample written
// without consistency images is replayed end to end (test/e2e/neon-mode.test.ts)
const fx = walFixture('wal-v15-workload');
const wal = loadWalDirectory(fx.dir);
const reader = new WalReader(wal);
const initdb = reader.readAll(reader.firstValidPage()).records;
const workload = reader.readAll(fx.from).records;
const all = [...initdb, ...workload];
const decoded = new Map<bigint, DecodedRecord>(all.map((r) => [r.lsn, decodeRecord(r.raw, wal.format)]));

function run(records: RawWalRecord[]) {
  const stats = emptyVectorStats();
  const vectors = [...sampleVectors(records, wal.format, stats)];
  return { stats, vectors };
}

/** Block references walredo would replay: every block of every record the storage service does not apply. */
function replayedRefs(records: RawWalRecord[]): number {
  return records
    .filter((r) => !SERVICE_APPLIED_RMGRS.has(r.header.rmid))
    .reduce((n, r) => n + decoded.get(r.lsn)!.blocks.length, 0);
}

const blockOf = (v: RedoVector, lsn: bigint) =>
  decoded.get(lsn)!.blocks.filter(
    (b) =>
      tagKey({
        spcOid: b.rel.spcOid,
        dbOid: b.rel.dbOid,
        relNumber: b.rel.relNumber,
        fork: b.fork,
        blkno: b.blkno,
      }) === tagKey(v.tag),
  );

describe.each([
  ['the whole sample', all],
  ['a sample that starts in the middle of the workload', all.filter((r) => r.lsn >= fx.from + 200_000n)],
  [
    "initdb's records only (no consistency images, as a production server writes)",
    all.filter((r) => r.lsn < fx.from),
  ],
])('the vectors of %s', (_name, records) => {
  const { stats, vectors } = run(records);

  it('hold every replayed block reference once, or count it as having no start', () => {
    const inVectors = vectors.reduce((n, v) => n + v.records.length, 0);
    expect(inVectors + (stats.skippedBlocks[NO_START] ?? 0)).toBe(replayedRefs(records));
    expect(stats.vectors).toBe(vectors.length);
  });

  it("keep each chain's records in WAL order, each naming the chain's block", () => {
    for (const v of vectors) {
      const lsns = v.records.map((r) => r.lsn);
      expect([...lsns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(lsns);
      for (const lsn of lsns) expect(blockOf(v, lsn).length).toBeGreaterThan(0);
    }
  });

  it('start each chain from a page image, an initialising record, or a known page before its records', () => {
    for (const v of vectors) {
      if (v.base) {
        if (!pageIsNew(v.base)) expect(pageLsn(v.base) <= v.records[0].lsn).toBe(true);
        continue;
      }
      const first = blockOf(v, v.records[0].lsn);
      expect(first.some((b) => b.willInit || b.image?.apply === true)).toBe(true);
    }
  });

  it('compare a chain exactly when its last record carries the page after it', () => {
    for (const v of vectors) {
      const last = blockOf(v, v.records[v.records.length - 1].lsn);
      const checkImage = last.some((b) => b.image !== undefined && !b.image.apply);
      expect(isCompared(v)).toBe(checkImage);
    }
  });
});

describe('a sample with consistency images', () => {
  const { vectors } = run(workload);
  it('is compared wherever a record carries the page after it', () => {
    const compared = vectors.filter(isCompared);
    expect(compared.length).toBeGreaterThan(vectors.length / 2);
    expect(new Set(compared.map((v) => v.mask))).toContain('heap');
  });
});

// hand-built records through SampleChains, one case each
const REL = { spcOid: 1663, dbOid: 5, relNumber: 16384 };
const OTHER_REL = { spcOid: 1663, dbOid: 5, relNumber: 16390 };
const goodPage = storedVectors().find((v) => v.mask === 'heap' && !pageIsNew(v.expected))!.expected;

function raw(rmid: number, info: number): Uint8Array {
  const r = new Uint8Array(24);
  const dv = new DataView(r.buffer);
  dv.setUint32(0, 24, true);
  r[16] = info;
  r[17] = rmid;
  return r;
}

type ImageKind = 'fpi' | 'check' | 'lz4-fpi';
function block(
  blkno: number,
  opts: { fork?: number; rel?: typeof REL; image?: ImageKind; willInit?: boolean; page?: Uint8Array } = {},
): BlockRef {
  const page = opts.page ?? goodPage;
  return {
    blockId: 0,
    forkFlags: 0,
    fork: opts.fork ?? 0,
    rel: opts.rel ?? REL,
    blkno,
    willInit: opts.willInit ?? false,
    hasData: false,
    data: new Uint8Array(0),
    ...(opts.image
      ? {
          image: {
            bimgLen: page.length,
            holeOffset: 0,
            holeLength: 0,
            bimgInfo: 0,
            apply: opts.image !== 'check',
            compression: opts.image === 'lz4-fpi' ? ('lz4' as const) : ('none' as const),
            bytes: page,
          },
        }
      : {}),
  };
}

class Feed {
  readonly stats = emptyVectorStats();
  readonly chains = new SampleChains(this.stats, {});
  private lsn = 0x1000000n;
  /** the vectors each record (and the end) gave */
  add(rmid: number, info: number, blocks: BlockRef[], mainData = new Uint8Array(0)) {
    const lsn = (this.lsn += 0x100n);
    const rec: RawWalRecord = {
      lsn,
      endLsn: lsn + 0x40n,
      header: { totLen: 24, xid: 0, prev: 0n, info, rmid },
      raw: raw(rmid, info),
    } as RawWalRecord;
    const decoded: DecodedRecord = { header: rec.header, blocks, mainData };
    return { rec, vectors: [...this.chains.add(rec, decoded)] };
  }
  end() {
    return [...this.chains.closeAll()];
  }
}

const HEAP_INSERT = 0x00;
const HEAP_DELETE = 0x10;
const stamped = (lsn: bigint) => {
  const p = Uint8Array.from(goodPage);
  setPageLsn(p, lsn);
  return Buffer.from(p);
};

describe('a chain of hand-built records', () => {
  test('runs from a full-page image through every later record of the block, judged at its last record', () => {
    const f = new Feed();
    const fpi = f.add(RM.HEAP, HEAP_INSERT, [block(3, { image: 'fpi' })]);
    f.add(RM.HEAP, HEAP_INSERT, [block(3)]);
    const last = f.add(RM.HEAP, HEAP_INSERT, [block(3)]);
    const [v] = f.end();
    expect(v.records.map((r) => r.lsn)).toEqual([fpi.rec.lsn, fpi.rec.lsn + 0x100n, last.rec.lsn]);
    expect(v.base).toBeUndefined();
    expect(isCompared(v)).toBe(false);
    expect(judgeVector(v, stamped(last.rec.endLsn))).toBeUndefined();
    // a walredo that applied the image only (or dropped the last record) answers an older pd_lsn
    expect(judgeVector(v, stamped(fpi.rec.endLsn))?.problems.join()).toMatch(/pd_lsn is .* expected/);
  });

  test('a last heap2 VISIBLE may leave the pd_lsn of the record before it', () => {
    const f = new Feed();
    f.add(RM.HEAP, HEAP_INSERT, [block(3, { image: 'fpi' })]);
    const before = f.add(RM.HEAP, HEAP_INSERT, [block(3)]);
    const visible = f.add(RM.HEAP2, HEAP2_OP.VISIBLE, [block(3)]);
    const [v] = f.end();
    expect(judgeVector(v, stamped(before.rec.endLsn))).toBeUndefined();
    expect(judgeVector(v, stamped(visible.rec.endLsn))).toBeUndefined();
    expect(judgeVector(v, stamped(before.rec.lsn))).toBeDefined();
  });

  test('an image the storage service applies (XLOG FPI) is the base of the next chain, stamped with its end LSN', () => {
    const f = new Feed();
    const fpi = f.add(RM.XLOG, 0xb0, [block(7, { image: 'fpi' })]);
    f.add(RM.HEAP, HEAP_INSERT, [block(7)]);
    const [v] = f.end();
    expect(v.records).toHaveLength(1);
    expect(pageLsn(v.base!)).toBe(fpi.rec.endLsn);
    expect(f.stats.serviceApplied).toEqual({ XLOG: 1 });
  });

  test('an image the reader cannot restore (lz4) is sent to walredo as the first record instead', () => {
    const f = new Feed();
    const fpi = f.add(RM.XLOG, 0xb0, [block(7, { image: 'lz4-fpi' })]);
    f.add(RM.HEAP, HEAP_INSERT, [block(7)]);
    const [v] = f.end();
    expect(v.base).toBeUndefined();
    expect(v.records.map((r) => r.lsn)).toEqual([fpi.rec.lsn, fpi.rec.lsn + 0x100n]);
  });

  test('an image nobody joins gives no vector', () => {
    const f = new Feed();
    f.add(RM.XLOG, 0xb0, [block(7, { image: 'fpi' })]);
    expect(f.end()).toEqual([]);
  });

  test('a heap record that clears visibility-map bits ends the map page chain before it', () => {
    const f = new Feed();
    f.add(RM.HEAP2, HEAP2_OP.VISIBLE, [block(0, { fork: 2, image: 'fpi' }), block(5, { image: 'fpi' })]);
    const flags = new Uint8Array(8);
    flags[7] = 0x01; // XLH_DELETE_ALL_VISIBLE_CLEARED
    const del = f.add(RM.HEAP, HEAP_DELETE, [block(5)], flags);
    expect(del.vectors.map((v) => v.tag.fork)).toEqual([2]);
    expect(f.end().map((v) => [v.tag.fork, v.records.length])).toEqual([[0, 2]]);
  });

  test('a truncation ends the chains of its relation only; a creation ends none', () => {
    const f = new Feed();
    f.add(RM.HEAP, HEAP_INSERT, [block(1, { willInit: true })]);
    f.add(RM.HEAP, HEAP_INSERT, [block(1, { willInit: true, rel: OTHER_REL })]);
    const create = new Uint8Array(16);
    new DataView(create.buffer).setUint32(8, REL.relNumber, true);
    expect(f.add(RM.SMGR, 0x10, [], create).vectors).toEqual([]);
    const truncate = new Uint8Array(20);
    const dv = new DataView(truncate.buffer);
    dv.setUint32(4, REL.spcOid, true);
    dv.setUint32(8, REL.dbOid, true);
    dv.setUint32(12, REL.relNumber, true);
    const t = f.add(RM.SMGR, XLOG_SMGR_TRUNCATE, [], truncate);
    expect(t.vectors.map((v) => v.tag.relNumber)).toEqual([REL.relNumber]);
    expect(f.end().map((v) => v.tag.relNumber)).toEqual([OTHER_REL.relNumber]);
  });

  test('a consistency image ends the chain there, compared, and the next chain starts from it', () => {
    const f = new Feed();
    f.add(RM.HEAP, HEAP_INSERT, [block(2, { willInit: true })]);
    const checked = f.add(RM.HEAP, HEAP_INSERT, [block(2, { image: 'check' })]);
    expect(checked.vectors).toHaveLength(1);
    expect(isCompared(checked.vectors[0])).toBe(true);
    expect(checked.vectors[0].records).toHaveLength(2);
    f.add(RM.HEAP, HEAP_INSERT, [block(2)]);
    const [next] = f.end();
    expect(pageLsn(next.base!)).toBe(checked.rec.endLsn);
    expect(next.records).toHaveLength(1);
  });

  test('a record before any start of its block is counted, and its consistency image starts a chain', () => {
    const f = new Feed();
    f.add(RM.HEAP, HEAP_INSERT, [block(9)]);
    f.add(RM.HEAP, HEAP_INSERT, [block(9, { image: 'check' })]);
    f.add(RM.HEAP, HEAP_INSERT, [block(9)]);
    expect(f.stats.skippedBlocks[NO_START]).toBe(2);
    const [v] = f.end();
    expect(v.records).toHaveLength(1);
    expect(v.base).toBeDefined();
  });
});

describe('records whose redo may leave a block unstamped', () => {
  test.each<[string, number, number, string | undefined, boolean]>([
    ['heap insert', RM.HEAP, 0x00, undefined, false],
    ['heap2 VISIBLE', RM.HEAP2, 0x40, undefined, true],
    ['heap2 MULTI_INSERT of a new page (XLOG_HEAP_INIT_PAGE)', RM.HEAP2, 0xd0, undefined, false],
    ['heap2 MULTI_INSERT', RM.HEAP2, 0x50, undefined, false],
    ['hash DELETE', RM.HASH, 0x90, undefined, true],
    ['hash SQUEEZE_PAGE', RM.HASH, 0x80, undefined, true],
    ['hash MOVE_PAGE_CONTENTS', RM.HASH, 0x70, undefined, true],
    ['hash INSERT', RM.HASH, 0x20, undefined, false],
    ['btree insert', RM.BTREE, 0x00, undefined, false],
    ["the storage service's neon rmgr", 134, 0x00, 'neon', false],
    ['another custom rmgr', 140, 0x00, 'other', true],
  ])('%s', (_name, rmid, info, custom, may) => {
    expect(mayLeaveLsn(rmid, info, custom)).toBe(may);
  });
});
