import {
  compareReport,
  MajorComparison,
  majorDifferences,
  renderMarkdown,
} from '../../../src/compare/report';
import { everythingMeasured } from '../../../src/compare/command';
import { pageDifference } from '../../../src/compare/walredo-pages';

const info = (v: string) => ({ name: 'sv-x-icu', provider: 'i', collversion: v, actualVersion: v });
const same: MajorComparison = {
  major: 15,
  presence: 'both',
  collations: {
    measured: true,
    corpusStrings: 100000,
    probeStrings: 7000,
    compared: 800,
    groups: 80,
    fullSorts: 80,
    onlyInOld: [],
    onlyInNew: [],
    changed: [],
    errors: [],
    seconds: 1,
  },
  indexes: { measured: true, checked: 0, corrupt: 0, seconds: 0 },
  catalog: {
    measured: true,
    tables: 60,
    rows: 26000,
    differences: [],
    differenceCount: 0,
    byTable: {},
    control: [],
  },
  seconds: 40,
  walredo: {
    measured: true,
    source: 'WAL',
    vectors: 10,
    identical: 10,
    differing: [],
    differingCount: 0,
    seconds: 1,
  },
};
const changed: MajorComparison = {
  ...same,
  collations: {
    ...(same.collations as Extract<MajorComparison['collations'], { measured: true }>),
    onlyInNew: ['ks-x-icu'],
    changed: [
      {
        collations: ['sv-x-icu', 'sv-FI-x-icu'],
        old: info('153.14'),
        new: info('153.120'),
        moved: 12,
        examples: [{ old: ['v', 'w'], new: ['w', 'v'] }],
        index: { corrupt: true, detail: 'item order invariant violated' },
      },
    ],
  },
  indexes: { measured: true, checked: 1, corrupt: 1, seconds: 1 },
};

describe('majorDifferences', () => {
  it.each<[string, MajorComparison, number]>([
    ['nothing differs', same, 0],
    ['a changed collation, one only in new, a corrupt index', changed, 3],
    ['a major only one side has', { major: 18, presence: 'only in new' }, 1],
    [
      'stages not measured count nothing',
      { major: 15, presence: 'both', indexes: { measured: false, why: 'no amcheck' } },
      0,
    ],
    [
      'catalog rows, pg_control fields and pages',
      {
        ...same,
        catalog: {
          measured: true,
          tables: 1,
          rows: 1,
          differences: [],
          differenceCount: 2,
          byTable: { 'pg_catalog.pg_class': 1, 'pg_catalog.pg_type': 1 },
          control: [{ field: 'x', old: '1', new: '2' }],
        },
        walredo: {
          measured: true,
          source: '',
          vectors: 3,
          identical: 1,
          differing: [],
          differingCount: 2,
          seconds: 0,
        },
      },
      5,
    ],
  ])('%s: %i', (_, m, n) => {
    expect(majorDifferences(m)).toBe(n);
  });
});

describe('renderMarkdown', () => {
  it('says "no differences" for identical bundles', () => {
    const md = renderMarkdown(compareReport('a', 'b', [same]));
    expect(md).toContain('pg-bundle compare: no differences');
    expect(md).toContain(
      '| v15 | 0 of 800 changed order | none to check | 0 of 26000 rows differ, 0 pg_control fields | 10 of 10 pages identical | 40 s |',
    );
  });

  it('lists each changed collation with versions, moved strings, examples and its index', () => {
    const md = renderMarkdown(compareReport('a', 'b', [changed, { major: 18, presence: 'only in new' }]));
    expect(md).toContain('4 differences');
    expect(md).toContain('1 of 800 changed order, 1 only in new');
    expect(md).toContain(
      '| v15 | sv-x-icu (and 1 alike) | 12 | 153.14/153.14 → 153.120/153.120 | "v" < "w" → "w" < "v"; index corrupt |',
    );
    expect(md).toContain('| v18 | only in new | | | | |');
  });

  it('names the tables with the most differing rows', () => {
    const m: MajorComparison = {
      ...same,
      catalog: {
        measured: true,
        tables: 60,
        rows: 26000,
        differences: [],
        differenceCount: 7,
        byTable: {
          'pg_catalog.pg_class': 1,
          'pg_catalog.pg_attribute': 4,
          'pg_catalog.pg_type': 1,
          'pg_catalog.pg_depend': 1,
        },
        control: [],
      },
    };
    expect(renderMarkdown(compareReport('a', 'b', [m]))).toContain(
      '7 of 26000 rows differ (pg_catalog.pg_attribute 4, pg_catalog.pg_class 1, pg_catalog.pg_type 1, ...), 0 pg_control fields',
    );
  });

  it('says why a stage was not measured', () => {
    const m: MajorComparison = {
      ...same,
      indexes: { measured: false, why: 'the new bundle has no amcheck' },
    };
    expect(renderMarkdown(compareReport('a', 'b', [m]))).toContain(
      'not measured: the new bundle has no amcheck',
    );
    expect(everythingMeasured(compareReport('a', 'b', [m]))).toBe(false);
    expect(everythingMeasured(compareReport('a', 'b', [same, { major: 18, presence: 'only in old' }]))).toBe(
      true,
    );
  });
});

describe('pageDifference', () => {
  const page = (fill: number) => Buffer.alloc(8192, fill);
  const changedAt = (at: number[]) => {
    const p = page(0);
    for (const i of at) p[i] = 1;
    return p;
  };
  it.each<[string, Buffer | Error, Buffer | Error, string | undefined]>([
    ['identical pages', page(0), page(0), undefined],
    ['two bytes', page(0), changedAt([24, 100]), '2 bytes differ, the first at byte 24'],
    [
      'an error on one side',
      new Error('the walredo process exited\nmore'),
      page(0),
      'old gave error: the walredo process exited, new gave a page',
    ],
    ['errors on both sides', new Error('a'), new Error('b'), undefined],
  ])('%s', (_, a, b, want) => {
    expect(pageDifference(a, b)).toBe(want);
  });
});
