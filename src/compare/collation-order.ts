/**
 * Comparing collation orders (pure). Sorting the whole corpus under each of hundreds of ICU
 * collations is too slow for every pull request, and most of them sort alike (region variants
 * share their language's rules). So every collation first sorts a probe (single letters of every
 * script in every case and form, short sequences and letters with marks, but Han ideographs, plus
 * every 50th string); collations whose probe order is the same
 * on the old side and the same on the new side form a group, and only one collation per group
 * sorts the whole corpus on each side.
 */

import { corpusHead } from './collation-corpus';

/** Which corpus strings are in the probe. */
export function probeOf(corpus: readonly string[]): boolean[] {
  const head = corpusHead().length;
  return corpus.map((s, id) => id % 50 === 0 || (id < head && !/\p{Script=Han}/u.test(s)));
}

export interface CollationInfo {
  name: string;
  /** pg_collation.collprovider: c (libc), i (ICU), b (builtin), d (default) */
  provider: string;
  collversion: string | null;
  actualVersion: string | null;
}

export interface OrderHash {
  name: string;
  ms: number | null;
  hash: string | null;
  error: string | null;
}

/** What a side's hash of one collation says, as a comparable text. */
export function hashState(h: OrderHash | undefined): string {
  if (!h) return 'missing';
  return h.error !== null ? `error: ${h.error}` : (h.hash ?? 'null');
}

export interface CollationGroup {
  /** the collation that sorts the whole corpus for the group (its shortest name) */
  representative: string;
  members: string[];
}

/**
 * Groups the collations both sides have by their probe order on each side; groups come in the
 * order of their first member by name.
 */
export function groupByProbe(
  oldProbe: ReadonlyMap<string, OrderHash>,
  newProbe: ReadonlyMap<string, OrderHash>,
): CollationGroup[] {
  const groups = new Map<string, string[]>();
  for (const name of [...oldProbe.keys()].filter((n) => newProbe.has(n)).sort()) {
    const key = `${hashState(oldProbe.get(name))}|${hashState(newProbe.get(name))}`;
    const members = groups.get(key);
    if (members) members.push(name);
    else groups.set(key, [name]);
  }
  // the shortest name stands for the group: the language itself rather than one of its regions
  const shortest = (names: string[]) => names.reduce((a, b) => (b.length < a.length ? b : a));
  return [...groups.values()].map((members) => ({ representative: shortest(members), members }));
}

export interface OrderPair {
  /** two strings adjacent in the old order... */
  old: [string, string];
  /** ...and how the new order has them */
  new: [string, string];
}

export interface OrderChange {
  /** strings out of place: the corpus size minus the longest run both orders keep in sequence */
  moved: number;
  examples: OrderPair[];
}

/** Length of the longest strictly increasing subsequence (patience sorting, O(n log n)). */
export function longestIncreasing(values: ArrayLike<number>): number {
  const tails: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = v;
  }
  return tails.length;
}

/**
 * How the new order differs from the old one (both lists of the same ids): how many strings moved,
 * and up to `count` neighbours of the old order that the new order swaps (first, middle, last).
 */
export function orderChange(
  oldOrder: readonly number[],
  newOrder: readonly number[],
  text: (id: number) => string,
  count = 3,
): OrderChange {
  if (oldOrder.length !== newOrder.length)
    throw new Error(`the orders have ${oldOrder.length} and ${newOrder.length} strings`);
  const newRank = new Map<number, number>();
  newOrder.forEach((id, rank) => newRank.set(id, rank));
  const ranks = Int32Array.from(oldOrder, (id) => {
    const r = newRank.get(id);
    if (r === undefined) throw new Error(`string ${id} is missing from the new order`);
    return r;
  });
  const swapped: number[] = [];
  for (let i = 0; i + 1 < ranks.length; i++) if (ranks[i] > ranks[i + 1]) swapped.push(i);
  const picks = [...new Set([0, swapped.length >> 1, swapped.length - 1])]
    .filter((k) => k >= 0 && k < swapped.length)
    .slice(0, count);
  const examples = picks.map((k): OrderPair => {
    const [a, b] = [text(oldOrder[swapped[k]]), text(oldOrder[swapped[k] + 1])];
    return { old: [a, b], new: [b, a] };
  });
  return { moved: ranks.length - longestIncreasing(ranks), examples };
}
