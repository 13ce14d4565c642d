import {
  comparePages,
  explainOffset,
  firstDifference,
  replayedPageProblems,
} from '../../../src/walredo/mask/compare';
import {
  itemId,
  maxOffsetNumber,
  pageLsn,
  pdLower,
  pdSpecial,
  pdUpper,
  setPageLsn,
} from '../../../src/walredo/mask/page';
import { storedVectors } from './fixtures';

const heapPage = () => {
  const v = storedVectors().find(
    (s) => s.mask === 'heap' && s.kind === 'delta' && maxOffsetNumber(s.expected) > 2,
  )!;
  return { v, page: Uint8Array.from(v.expected) };
};

describe('explaining a page offset', () => {
  const { page } = heapPage();
  const first = itemId(page, 1);
  it.each([
    [0, /page header \(pd_lsn, byte 0\)/],
    [9, /page header \(pd_checksum, byte 1\)/],
    [22, /page header \(pd_prune_xid, byte 2\)/],
    [24, /^line pointer 1 \(of \d+\)$/],
    [29, /^line pointer 2 \(of \d+\)$/],
  ])('offset %i', (offset, text) => {
    expect(explainOffset(page, offset)).toMatch(text);
  });
  it('names the tuple and the byte within it', () => {
    expect(explainOffset(page, first.off + 3)).toBe(
      `tuple of line pointer 1 (tuple offset ${first.off}, byte 3 of ${first.len})`,
    );
  });
  it('names free space and special space', () => {
    if (pdUpper(page) > pdLower(page)) expect(explainOffset(page, pdLower(page))).toMatch(/free space/);
    const btree = storedVectors().find((s) => s.mask === 'btree' && s.kind === 'delta')!.expected;
    expect(explainOffset(btree, pdSpecial(btree) + 12)).toBe(
      'special space (access-method opaque data, byte 12)',
    );
  });
});

describe('BRIN revmap pages', () => {
  it('name the revmap entry instead of free space', () => {
    const p = new Uint8Array(8192);
    p[12] = 24; // pd_lower stays at the header on revmap pages
    p[14] = 0xf8; // pd_upper 8184
    p[15] = 0x1f;
    p[16] = 0xf8; // pd_special 8184
    p[17] = 0x1f;
    p[8190] = 0x92; // BRIN_PAGETYPE_REVMAP 0xF092
    p[8191] = 0xf0;
    expect(explainOffset(p, 32)).toBe(
      "BRIN revmap entry 1 (TID of the summary tuple of the page's range 1; block number (low))",
    );
    expect(explainOffset(p, 24 + 6 * 7 + 4)).toMatch(/^BRIN revmap entry 7 .*; offset\)$/);
  });
});

describe('comparing a walredo result with the expected page', () => {
  const { v, page } = heapPage();
  const endLsn = v.records[0].endLsn;
  const result = () => {
    const p = Uint8Array.from(page);
    setPageLsn(p, endLsn);
    return p;
  };

  it('accepts the expected page carrying the record end LSN', () => {
    expect(comparePages(page, result(), 'heap', v.tag.blkno, endLsn)).toMatchObject({
      ok: true,
      lsnOk: true,
      problems: [],
    });
  });

  it('rejects a result whose pd_lsn is not the A message LSN (unmasked check)', () => {
    const r = comparePages(page, page, 'heap', v.tag.blkno, endLsn);
    expect(r.ok).toBe(false);
    expect(r.lsnOk).toBe(false);
    expect(r.problems[0]).toMatch(/pd_lsn is .* expected the record's end LSN/);
    expect(pageLsn(page)).not.toBe(endLsn);
  });

  it('reports the first differing tuple byte with a hex diff', () => {
    const r = result();
    const iid = itemId(r, 2);
    r[iid.off + iid.len - 1] ^= 0xff;
    const cmp = comparePages(page, r, 'heap', v.tag.blkno, endLsn);
    expect(cmp.ok).toBe(false);
    expect(cmp.diff).toMatchObject({ offset: iid.off + iid.len - 1, differingBytes: 1 });
    expect(cmp.diff!.region).toMatch(/^tuple of line pointer 2/);
    expect(cmp.diff!.expectedHex).not.toBe(cmp.diff!.actualHex);
    expect(cmp.diff!.expectedHex.split(' ')).toHaveLength(32);
  });

  it('rejects a response of the wrong size', () => {
    expect(comparePages(page, new Uint8Array(100), 'heap', 0, endLsn).problems[0]).toMatch(/100 bytes/);
  });

  it('falls back to the LSN/checksum mask when the rmgr mask rejects the layout', () => {
    const bad = Uint8Array.from(page);
    bad[12] = 0xff; // pd_lower beyond pd_upper
    bad[13] = 0x1f;
    const r = Uint8Array.from(bad);
    setPageLsn(r, endLsn);
    expect(comparePages(bad, r, 'heap', 0, endLsn).ok).toBe(true);
    r[5000] ^= 1;
    expect(comparePages(bad, r, 'heap', 0, endLsn).problems[0]).toMatch(/cannot apply the heap mask/);
  });

  it('firstDifference is undefined for equal pages', () => {
    expect(firstDifference(page, Uint8Array.from(page), page)).toBeUndefined();
  });
});

describe('records that leave the page unchanged', () => {
  const { v, page } = heapPage();
  const base = Uint8Array.from(page);
  setPageLsn(base, 0x1000n);
  it('a result may carry an alternative LSN of the vector', () => {
    expect(comparePages(page, base, 'heap', 0, v.records[0].endLsn, [0x1000n]).ok).toBe(true);
    const r = comparePages(page, base, 'heap', 0, v.records[0].endLsn, [0x2000n]);
    expect(r.problems[0]).toMatch(/expected the record's end LSN .* or 0\/00002000/);
  });
});

describe('judging a replayed page without an expected one', () => {
  const { page } = heapPage();
  const lsn = pageLsn(page);
  const zero = new Uint8Array(8192);
  const withHeader = (lower: number, upper: number, special: number) => {
    const p = Uint8Array.from(page);
    const dv = new DataView(p.buffer);
    dv.setUint16(12, lower, true);
    dv.setUint16(14, upper, true);
    dv.setUint16(16, special, true);
    return p;
  };
  test.each<[string, Uint8Array, bigint[], RegExp | undefined]>([
    ['a well-formed page stamped by a record of the chain', page, [lsn - 8n, lsn], undefined],
    ['a short answer', page.subarray(0, 100), [lsn], /100 bytes, expected 8192/],
    ['an all-zero page', zero, [lsn], /all zeros/],
    ['pd_lower past pd_upper', withHeader(4000, 3000, 8192), [lsn], /malformed page header: pd_lower 4000/],
    ['pd_lower inside the header', withHeader(10, 3000, 8192), [lsn], /malformed page header/],
    ['pd_special past the page', withHeader(100, 3000, 9000), [lsn], /malformed page header/],
    ['a pd_lsn no record of the chain stamped', page, [lsn + 8n], /pd_lsn is .*, expected/],
  ])('%s', (_name, p, lsns, problem) => {
    const problems = replayedPageProblems(p, lsns);
    if (problem) expect(problems.join('; ')).toMatch(problem);
    else expect(problems).toEqual([]);
  });
});
