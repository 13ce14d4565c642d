import { clearsVisibilityMap, heapFlagsOffset, neonFlags } from '../../../src/walredo/corpus/visibility-map';
import {
  deriveVectors,
  lsnAlternatives,
  emptyVectorStats,
  ComparedVector,
  SERVICE_APPLIED_RMGRS,
  tagKey,
} from '../../../src/walredo/corpus/vectors';
import { pageIsNew, pageLsn } from '../../../src/walredo/mask/page';
import { RM } from '../../../src/walredo/wal/constants';
import { loadWalDirectory } from '../../../src/walredo/wal/files';
import { WalReader } from '../../../src/walredo/wal/reader';
import { decodeRecord } from '../../../src/walredo/wal/record';
import { encodeRedoRequest } from '../../../src/walredo/protocol';
import { parseMessages } from '../../support/walredo-protocol';
import { walFixture } from './fixtures';

describe('deriving vectors from the stored workload WAL', () => {
  const fx = walFixture('wal-v15-workload');
  const wal = loadWalDirectory(fx.dir);
  const stats = emptyVectorStats();
  const records = new WalReader(wal).readAll(fx.from).records;
  const vectors: ComparedVector[] = [...deriveVectors(records, wal.format, stats, fx.from)];

  it('gives vectors for every checked resource manager of the workload', () => {
    expect(Object.keys(stats.byRmgr).sort()).toEqual([
      'BRIN',
      'Btree',
      'Gin',
      'Gist',
      'Hash',
      'Heap',
      'Heap2',
      'SPGist',
      'Sequence',
    ]);
    expect(stats.vectors).toBe(vectors.length);
    expect(stats.records).toBe(records.length);
  });

  it('skips and counts records the storage service applies itself', () => {
    expect(
      Object.keys(stats.serviceApplied).every((r) =>
        [
          'XLOG',
          'Transaction',
          'Storage',
          'Standby',
          'LogicalMessage',
          'CLOG',
          'Database',
          'RelMap',
          'MultiXact',
        ].includes(r),
      ),
    ).toBe(true);
    const applied = records.filter((r) => SERVICE_APPLIED_RMGRS.has(r.header.rmid)).length;
    expect(Object.values(stats.serviceApplied).reduce((a, b) => a + b, 0)).toBe(applied);
  });

  it('a vector with a base page starts from the previous after-image of the block, stamped with its LSN', () => {
    const byLsn = new Map(records.map((r) => [r.lsn, r]));
    const deltas = vectors.filter((v) => v.kind === 'delta');
    expect(deltas.length).toBeGreaterThan(vectors.length / 2);
    for (const v of deltas.slice(0, 200)) {
      expect(v.base).toBeDefined();
      if (!pageIsNew(v.base!)) expect(pageLsn(v.base!)).toBeLessThan(v.records[0].lsn + 1n);
      expect(byLsn.get(v.records[0].lsn)).toBeDefined();
    }
  });

  it('init and full-page-image vectors send no base page', () => {
    const starts = vectors.filter((v) => v.kind === 'init' || v.kind === 'fpi');
    expect(starts.length).toBeGreaterThan(0);
    for (const v of starts) {
      expect(v.base).toBeUndefined();
      const types = parseMessages(encodeRedoRequest(v))
        .messages.map((m) => m.type)
        .join('');
      expect(types).toBe('BAG');
      const block = decodeRecord(v.records[0].raw, wal.format).blocks.find(
        (b) =>
          tagKey({
            fork: b.fork,
            spcOid: b.rel.spcOid,
            dbOid: b.rel.dbOid,
            relNumber: b.rel.relNumber,
            blkno: b.blkno,
          }) === tagKey(v.tag),
      )!;
      expect(v.kind === 'init' ? block.willInit : block.image?.apply).toBe(true);
    }
  });

  it('the expected page of a block is the next vector base of the same block', () => {
    const last = new Map<string, ComparedVector>();
    let checked = 0;
    for (const v of vectors.filter((x) => x.kind !== 'chain')) {
      const prev = last.get(tagKey(v.tag));
      if (prev && v.base) {
        expect(Buffer.compare(Buffer.from(v.base.subarray(8)), Buffer.from(prev.expected.subarray(8)))).toBe(
          0,
        );
        checked++;
      }
      last.set(tagKey(v.tag), v);
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe('chain vectors', () => {
  const fx = walFixture('wal-v15-workload');
  const wal = loadWalDirectory(fx.dir);
  const stats = emptyVectorStats();
  const all = [...deriveVectors(new WalReader(wal).readAll(fx.from).records, wal.format, stats, fx.from, 4)];
  const chains = all.filter((v) => v.kind === 'chain');
  it('carry several records of one block, in WAL order, and end at the last single vector of the block', () => {
    expect(chains.length).toBe(stats.chains);
    expect(chains.length).toBeGreaterThan(50);
    for (const c of chains) {
      expect(c.records).toHaveLength(4);
      for (let i = 1; i < c.records.length; i++)
        expect(c.records[i].lsn).toBeGreaterThan(c.records[i - 1].lsn);
      const single = all.find(
        (v) =>
          v.kind !== 'chain' &&
          v.id < c.id &&
          v.records[0].lsn === c.records[3].lsn &&
          tagKey(v.tag) === tagKey(c.tag),
      )!;
      expect(Buffer.compare(Buffer.from(single.expected), Buffer.from(c.expected))).toBe(0);
      const types = parseMessages(encodeRedoRequest(c))
        .messages.map((m) => m.type)
        .join('');
      expect(types).toBe(c.base ? 'BPAAAAG' : 'BAAAAG');
    }
  });
});

describe('where heap and neon records keep their flags', () => {
  test.each([
    ['INSERT', RM.HEAP, 0x00, false, 2],
    ['DELETE upstream', RM.HEAP, 0x10, false, 7],
    ['DELETE with t_cid', RM.HEAP, 0x10, true, 13],
    ['UPDATE in either dialect', RM.HEAP, 0x20, true, 7],
    ['HOT_UPDATE', RM.HEAP, 0x40, false, 7],
    ['LOCK upstream', RM.HEAP, 0x60, false, 7],
    ['LOCK with t_cid', RM.HEAP, 0x60, true, 13],
    ['MULTI_INSERT', RM.HEAP2, 0x50, false, 0],
    ['LOCK_UPDATED (never with t_cid)', RM.HEAP2, 0x60, true, 7],
    ['PRUNE: no such flags', RM.HEAP2, 0x10, false, undefined],
    ['btree', RM.BTREE, 0x00, false, undefined],
  ])('%s', (_name, rmid, info, tcid, at) => expect(heapFlagsOffset(rmid, info, tcid)).toBe(at));

  test.each([
    [0x00, { at: 2, bits: 0x01 }],
    [0x80, { at: 2, bits: 0x01 }], // INIT_PAGE
    [0x10, { at: 7, bits: 0x01 }],
    [0x20, { at: 7, bits: 0x03 }],
    [0x30, { at: 7, bits: 0x03 }],
    [0x40, { at: 11, bits: 0x01 }],
    [0x50, { at: 0, bits: 0x01 }],
    [0x60, undefined],
  ])('neon info 0x%s', (info, flags) => expect(neonFlags(info)).toEqual(flags));
});

describe('visibility-map side effects of heap records', () => {
  const main = (bytes: number[]) => Uint8Array.from(bytes);
  it.each([
    ['heap insert with ALL_VISIBLE_CLEARED', RM.HEAP, 0x00, [1, 0, 0x01], true],
    ['heap insert without', RM.HEAP, 0x00, [1, 0, 0x00], false],
    ['heap INIT_PAGE insert (info 0x80) with the flag', RM.HEAP, 0x80, [1, 0, 0x01], true],
    ['heap delete with the flag', RM.HEAP, 0x10, [0, 0, 0, 0, 1, 0, 0, 0x01], true],
    ['heap update, new page cleared', RM.HEAP, 0x20, [0, 0, 0, 0, 1, 0, 0, 0x02], true],
    ['heap hot update without', RM.HEAP, 0x40, [0, 0, 0, 0, 1, 0, 0, 0x00], false],
    ['heap lock, all-frozen cleared', RM.HEAP, 0x60, [0, 0, 0, 0, 1, 0, 0, 0x01], true],
    // an upstream DELETE carrying an old tuple (wal_level=logical) is long too: its flags stay at 7
    [
      'upstream delete with an old tuple and the flag',
      RM.HEAP,
      0x10,
      [0, 0, 0, 0, 1, 0, 0, 0x03, 1, 2, 3, 4, 5, 6, 7, 8],
      true,
    ],
    ['heap2 multi-insert with the flag', RM.HEAP2, 0x50, [0x01, 3, 0], true],
    ['heap2 prune', RM.HEAP2, 0x10, [0x01, 0, 0, 0, 0, 0, 0, 0x01], false],
    ['btree insert', RM.BTREE, 0x00, [1, 0, 1], false],
  ])('%s', (_name, rmid, info, bytes, clears) => {
    expect(clearsVisibilityMap(rmid, info, main(bytes))).toBe(clears);
  });

  // the storage service's v14/v15 fork (the WAL's dialect says so): t_cid after offnum and padding, flags last
  it.each([
    ['fork heap delete with the flag', RM.HEAP, 0x10, [0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0x01], true],
    [
      'fork heap delete: byte 7 is padding',
      RM.HEAP,
      0x10,
      [0, 0, 0, 0, 1, 0, 0, 0x01, 5, 0, 0, 0, 0, 0],
      false,
    ],
    [
      'fork heap lock, all-frozen cleared',
      RM.HEAP,
      0x60,
      [0, 0, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0x01],
      true,
    ],
    [
      'fork heap update: flags where upstream has them',
      RM.HEAP,
      0x20,
      [0, 0, 0, 0, 1, 0, 0, 0x01, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0],
      true,
    ],
  ])('%s', (_name, rmid, info, bytes, clears) => {
    expect(clearsVisibilityMap(rmid, info, main(bytes), { tcid: true })).toBe(clears);
  });

  // the storage service's neon_rmgr (custom rmgr "neon", id 134): rm_neon layouts of walrecord.rs
  it.each([
    ['neon insert with ALL_VISIBLE_CLEARED', 0x00, [1, 0, 0x01], true],
    ['neon insert+INIT_PAGE without', 0x80, [1, 0, 0x00], false],
    ['neon delete: flags after xmax, offnum, infobits', 0x10, [0, 0, 0, 0, 1, 0, 0, 0x01, 5, 0, 0, 0], true],
    [
      'neon hot update, new page cleared',
      0x30,
      [0, 0, 0, 0, 1, 0, 0, 0x02, 5, 0, 0, 0, 0, 0, 0, 0, 2, 0],
      true,
    ],
    ['neon lock: flags after t_cid', 0x40, [0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0x01], true],
    ['neon lock: byte 7 is t_cid, not flags', 0x40, [0, 0, 0, 0, 0, 0, 0, 0x01, 1, 0, 0, 0], false],
    ['neon multi-insert', 0x50, [0x01, 0, 3, 0, 5, 0, 0, 0], true],
  ])('%s', (_name, info, bytes, clears) => {
    expect(clearsVisibilityMap(134, info, main(bytes), { customName: 'neon' })).toBe(clears);
    // an rmgr 134 that registered under another name says nothing about the map
    expect(clearsVisibilityMap(134, info, main(bytes), { customName: 'other' })).toBe(false);
  });
});

describe('LSN alternatives of records that leave the page unchanged', () => {
  const r = (n: number) => ({ lsn: BigInt(n * 100), endLsn: BigInt(n * 100 + 50), raw: new Uint8Array(0) });
  it.each([
    ['last record changed the page', [true, true], 0x10n, []],
    ['last record left it unchanged', [true, false], 0x10n, [150n]],
    ['last two left it unchanged', [true, false, false], 0x10n, [150n]],
    ['no record changed it: the base LSN', [false, false], 0x10n, [0x10n]],
    ['no record changed it and no base page', [false], undefined, []],
  ])('%s', (_name, changed, baseLsn, expected) => {
    const records = (changed as boolean[]).map((_, i) => r(i + 1));
    expect(
      lsnAlternatives({ baseLsn: baseLsn as bigint | undefined, records, changed: changed as boolean[] }),
    ).toEqual(expected);
  });
});
