import { interleave, percentileSorted, ratio, summarize } from '../../../bench/stats';

describe('percentileSorted', () => {
  it.each([
    [[1], 0.5, 1],
    [[1, 2, 3, 4, 5], 0, 1],
    [[1, 2, 3, 4, 5], 1, 5],
    [[1, 2, 3, 4, 5], 0.5, 3],
    [[1, 2, 3, 4], 0.5, 2.5],
    [
      [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200, 210],
      0.95,
      200,
    ],
  ])('%j at %d is %d', (xs, q, expected) => {
    expect(percentileSorted(xs, q)).toBeCloseTo(expected, 10);
  });
  it('rejects empty input and out-of-range percentiles', () => {
    expect(() => percentileSorted([], 0.5)).toThrow('no samples');
    expect(() => percentileSorted([1], 1.5)).toThrow('outside');
  });
});

describe('summarize', () => {
  it('sorts, and reports median, p95, extremes and the IQR relative to the median', () => {
    const s = summarize([5, 1, 4, 2, 3]);
    expect(s).toEqual({ n: 5, median: 3, p95: 4.8, min: 1, max: 5, iqrPct: (2 / 3) * 100 });
  });
  it('is zero-spread for identical samples', () => {
    expect(summarize([7, 7, 7]).iqrPct).toBe(0);
  });
});

describe('ratio', () => {
  it.each([
    [2, 4, 0.5],
    [4, 2, 2],
    [undefined, 2, undefined],
    [2, undefined, undefined],
    [2, 0, undefined],
  ])('%p / %p = %p', (a, b, r) => {
    expect(ratio(a, b)).toBe(r);
  });
});

describe('interleave', () => {
  it('alternates subjects and rotates who goes first', () => {
    expect(interleave(['s', 'd'], 3)).toEqual(['s', 'd', 'd', 's', 's', 'd']);
    expect(interleave(['a', 'b', 'c'], 2)).toEqual(['a', 'b', 'c', 'b', 'c', 'a']);
  });
  it('gives each subject exactly `rounds` samples', () => {
    const order = interleave(['x', 'y', 'z'], 7);
    for (const s of ['x', 'y', 'z']) expect(order.filter((o) => o === s)).toHaveLength(7);
  });
});
