/** Summary statistics of repeated measurements (pure). */

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
  /** interquartile range relative to the median, in percent */
  iqrPct: number;
}

/** Percentile by linear interpolation between closest ranks (q in 0..1) of a sorted array. */
export function percentileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError('no samples');
  if (q < 0 || q > 1) throw new RangeError(`percentile ${q} is outside 0..1`);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const median = percentileSorted(s, 0.5);
  const iqr = percentileSorted(s, 0.75) - percentileSorted(s, 0.25);
  return {
    n: s.length,
    median,
    p95: percentileSorted(s, 0.95),
    min: s[0],
    max: s[s.length - 1],
    iqrPct: median === 0 ? 0 : (iqr / median) * 100,
  };
}

/** a / b of two medians, e.g. static over dynamic; undefined when either is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || b === 0) return undefined;
  return a / b;
}

/**
 * Order in which to take samples of several subjects so that drift (other load, thermal, page
 * cache) hits all alike: round-robin, each round starting with the next subject (pure).
 */
export function interleave<T>(subjects: readonly T[], rounds: number): T[] {
  const order: T[] = [];
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < subjects.length; i++) order.push(subjects[(r + i) % subjects.length]);
  return order;
}

/** p50 and p99 of latency samples, and the spread around them (pure). */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  min: number;
}

export function latencySummary(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) throw new RangeError('no samples');
  const s = [...samples].sort((a, b) => a - b);
  return { n: s.length, p50: percentileSorted(s, 0.5), p99: percentileSorted(s, 0.99), min: s[0] };
}
