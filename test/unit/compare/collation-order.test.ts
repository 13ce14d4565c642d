import {
  groupByProbe,
  hashState,
  longestIncreasing,
  OrderHash,
  orderChange,
  probeOf,
} from '../../../src/compare/collation-order';
import { collationCorpus, corpusHead } from '../../../src/compare/collation-corpus';

const h = (name: string, hash: string | null, error: string | null = null): OrderHash => ({
  name,
  ms: 1,
  hash,
  error,
});
const hashes = (rows: Array<[string, string]>) => new Map(rows.map(([n, x]) => [n, h(n, x)]));

describe('longestIncreasing', () => {
  it.each<[number[], number]>([
    [[], 0],
    [[0, 1, 2, 3], 4],
    [[3, 2, 1, 0], 1],
    [[0, 2, 1, 3], 3],
    [[4, 0, 1, 2, 3], 4],
    [[1, 0, 3, 2, 5, 4], 3],
  ])('%j: %i', (values, n) => {
    expect(longestIncreasing(values)).toBe(n);
  });
});

describe('orderChange', () => {
  const text = (id: number) => `s${id}`;
  it.each<[string, number[], number[], number, Array<[string, string]>]>([
    ['the same order', [0, 1, 2, 3], [0, 1, 2, 3], 0, []],
    ['one string moved to the end', [0, 1, 2, 3], [1, 2, 3, 0], 1, [['s0', 's1']]],
    ['two neighbours swapped', [0, 1, 2, 3], [0, 2, 1, 3], 1, [['s1', 's2']]],
    [
      'reversed',
      [0, 1, 2, 3, 4],
      [4, 3, 2, 1, 0],
      4,
      [
        ['s0', 's1'],
        ['s2', 's3'],
        ['s3', 's4'],
      ],
    ],
  ])('%s', (_, oldOrder, newOrder, moved, pairs) => {
    const change = orderChange(oldOrder, newOrder, text);
    expect(change.moved).toBe(moved);
    expect(change.examples.map((e) => e.old)).toEqual(pairs);
    for (const e of change.examples) expect(e.new).toEqual([e.old[1], e.old[0]]);
  });

  it('refuses orders of different strings', () => {
    expect(() => orderChange([0, 1], [0, 2], text)).toThrow('string 1 is missing from the new order');
    expect(() => orderChange([0, 1], [0], text)).toThrow('2 and 1 strings');
  });
});

describe('groupByProbe', () => {
  it.each<[string, Array<[string, string]>, Array<[string, string]>, string[][]]>([
    [
      'region variants that sort alike on both sides form one group',
      [
        ['de-AT-x-icu', 'A'],
        ['de-x-icu', 'A'],
        ['sv-x-icu', 'B'],
      ],
      [
        ['de-AT-x-icu', 'A2'],
        ['de-x-icu', 'A2'],
        ['sv-x-icu', 'B'],
      ],
      [['de-AT-x-icu', 'de-x-icu'], ['sv-x-icu']],
    ],
    [
      'alike on the old side but not on the new: two groups',
      [
        ['a', 'X'],
        ['b', 'X'],
      ],
      [
        ['a', 'Y'],
        ['b', 'Z'],
      ],
      [['a'], ['b']],
    ],
    [
      'a collation only one side has is in no group',
      [
        ['a', 'X'],
        ['old-only', 'X'],
      ],
      [
        ['a', 'X'],
        ['new-only', 'X'],
      ],
      [['a']],
    ],
  ])('%s', (_, oldRows, newRows, groups) => {
    const got = groupByProbe(hashes(oldRows), hashes(newRows));
    expect(got.map((g) => g.members)).toEqual(groups);
    expect(got.map((g) => g.representative)).toEqual(
      groups.map((g) => g.reduce((a, b) => (b.length < a.length ? b : a))),
    );
  });

  it('lets the shortest name stand for a group', () => {
    const rows: Array<[string, string]> = [
      ['ne-IN-x-icu', 'A'],
      ['ne-NP-x-icu', 'A'],
      ['ne-x-icu', 'A'],
    ];
    expect(groupByProbe(hashes(rows), hashes(rows))[0].representative).toBe('ne-x-icu');
  });

  it('keeps a collation that failed on one side apart', () => {
    const old = new Map([
      ['a', h('a', 'X')],
      ['b', h('b', 'X')],
    ]);
    const neu = new Map([
      ['a', h('a', 'X')],
      ['b', h('b', null, 'could not open collator')],
    ]);
    expect(groupByProbe(old, neu).map((g) => g.members)).toEqual([['a'], ['b']]);
    expect(hashState(neu.get('b'))).toBe('error: could not open collator');
    expect(hashState(undefined)).toBe('missing');
  });
});

describe('probeOf', () => {
  it('takes the head but Han ideographs, and every 50th string', () => {
    const corpus = collationCorpus(20_000);
    const probe = probeOf(corpus);
    const head = corpusHead().length;
    expect(probe[corpus.indexOf('a')]).toBe(true);
    expect(probe[corpus.indexOf('中')]).toBe(false);
    expect(probe[head + 50 - (head % 50)]).toBe(true);
    expect(probe[head + 51 - (head % 50)]).toBe(false);
    expect(probe.filter(Boolean).length).toBeLessThan(corpus.length / 2);
  });
});
