import { RedoVector } from '../../../src/walredo/corpus/vectors';
import { CrossPages } from '../../../src/walredo/suite/cross-pages';
import { emptyPage } from '../../../src/walredo/suite/protocol-tests';

const vector = (id: number, mask?: RedoVector['mask']): RedoVector => ({
  id,
  rmgr: 'Heap',
  kind: 'delta',
  tag: { fork: 0, spcOid: 1663, dbOid: 5, relNumber: 16384, blkno: 0 },
  blockId: 0,
  records: [],
  ...(mask ? { mask, expected: emptyPage() } : {}),
});

const withLsn = (lsn: number) => {
  const p = emptyPage();
  new DataView(p.buffer).setUint32(4, lsn, true);
  return p;
};

describe("one walredo's pages against another platform's answers to the same requests", () => {
  test.each([
    ['byte for byte equal', 'lsn-only' as const, emptyPage(), emptyPage(), 'identical'],
    ['equal only under the mask (pd_lsn)', 'lsn-only' as const, withLsn(1), withLsn(2), 'equalMasked'],
    ['different where no mask hides it', undefined, withLsn(1), withLsn(2), 'differing'],
    [
      'different under the mask too',
      'lsn-only' as const,
      emptyPage(),
      new Uint8Array(8192).fill(7),
      'differing',
    ],
  ])('%s', (_what, mask, a, b, verdict) => {
    const cross = new CrossPages('linux-x86_64');
    const v = vector(1, mask);
    cross.keep(v, a);
    cross.compare(v, b);
    const r = cross.done();
    expect(r.compared).toBe(1);
    expect(r[verdict as 'identical' | 'equalMasked' | 'differing']).toBe(1);
    expect(r.firstDiffering).toEqual(verdict === 'differing' ? [{ vector: 1, rmgr: 'Heap' }] : []);
  });

  test('a vector only one walredo answered is counted as unmatched, not compared', () => {
    const cross = new CrossPages('linux-x86_64');
    cross.keep(vector(1), emptyPage());
    cross.keep(vector(2), emptyPage());
    cross.compare(vector(2), emptyPage());
    cross.compare(vector(3), emptyPage()); // never kept: ignored
    expect(cross.done()).toMatchObject({ compared: 1, identical: 1, unmatched: 1 });
  });
});
