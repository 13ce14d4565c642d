import { ByteQueue } from '../../../src/walredo/byte-queue';

const PAGE = 8192;
const pattern = (n: number, from = 0) => Buffer.from(Array.from({ length: n }, (_, i) => (from + i) % 251));

describe('the bytes walredo writes, read page by page', () => {
  test.each([
    ['one chunk per page', [PAGE, PAGE, PAGE]],
    ['pages split across chunks', [100, PAGE, PAGE - 100, 3000, 5192]],
    ['one byte at a time at a boundary', [PAGE - 1, 1, 1, PAGE - 1]],
    ['empty chunks', [0, PAGE, 0, 0, PAGE]],
  ])('%s: the same bytes in the same order', (_name, sizes) => {
    const q = new ByteQueue();
    let sent = 0;
    const got: Buffer[] = [];
    for (const n of sizes) {
      q.push(pattern(n, sent));
      sent += n;
      while (q.length >= PAGE) got.push(q.take(PAGE));
    }
    expect(Buffer.concat(got).equals(pattern(Math.floor(sent / PAGE) * PAGE))).toBe(true);
    expect(q.length).toBe(sent % PAGE);
  });

  test('a burst of 10,000 pages in one chunk costs each byte one copy (linear, not quadratic)', () => {
    const q = new ByteQueue();
    const burst = pattern(10_000 * PAGE);
    q.push(burst);
    let pages = 0;
    while (q.length >= PAGE) {
      const p = q.take(PAGE);
      if (pages === 9_999) expect(p.equals(burst.subarray(9_999 * PAGE))).toBe(true);
      pages++;
    }
    expect(pages).toBe(10_000);
    expect(q.copied).toBe(10_000 * PAGE);
  });

  test('taking more than is queued is a programming error', () => {
    const q = new ByteQueue();
    q.push(Buffer.alloc(10));
    expect(() => q.take(11)).toThrow(RangeError);
  });
});
