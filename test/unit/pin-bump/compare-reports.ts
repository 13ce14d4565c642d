/**
 * Synthetic compare reports for pin-bump tests (no PostgreSQL is built or run): one shaped like the
 * ICU 67.1 → 72.1 pair of docs/compare.md, one with nothing changed, one with many changed collations.
 */
import { CompareReport, compareReport, MajorComparison } from '../../../src/compare/report';

const info = (name: string, version: string) => ({
  name,
  provider: 'i',
  collversion: version,
  actualVersion: version,
});

function major(major: number, changedCollations: number, { amcheck = true } = {}): MajorComparison {
  const changed = Array.from({ length: changedCollations }, (_, i) => ({
    collations: [i === 0 ? 'af-x-icu' : `zz${i}-x-icu`, 'more-x-icu'],
    old: info('af-x-icu', '153.14.37'),
    new: info('af-x-icu', '153.120.42'),
    moved: 2,
    examples: [{ old: ['契挎🀄', '奔'] as [string, string], new: ['奔', '契挎🀄'] as [string, string] }],
    index: { corrupt: true, detail: 'item order invariant violated' },
  }));
  return {
    major,
    presence: 'both',
    collations: {
      measured: true,
      corpusStrings: 100_000,
      probeStrings: 7_273,
      compared: 785,
      groups: 87,
      fullSorts: 87,
      onlyInOld: [],
      onlyInNew: [],
      changed,
      errors: [],
      seconds: 38.5,
    },
    indexes: amcheck
      ? { measured: true, checked: changedCollations, corrupt: changedCollations, seconds: 16.5 }
      : { measured: false, why: 'the new bundle has no amcheck' },
    catalog: {
      measured: true,
      tables: 60,
      rows: 27556,
      differences: [],
      differenceCount: 0,
      byTable: {},
      control: [],
    },
    walredo: {
      measured: true,
      source: 'verify corpus',
      vectors: 14380,
      identical: 14380,
      differing: [],
      differingCount: 0,
      seconds: 9.4,
    },
    seconds: 65.3,
  };
}

/** ICU 67.1 → 72.1 on v15: `changed` collations changed order, as many indexes corrupt. */
export function icuReport(changed = 86, old = 'bundle-1 (old pin)', neu = 'bundle-2'): CompareReport {
  return compareReport(old, neu, [major(15, changed)]);
}

export function sameReport(): CompareReport {
  return compareReport('bundle-1 (old pin)', 'bundle-2', [major(15, 0)]);
}

export function noAmcheckReport(): CompareReport {
  return compareReport('bundle-1 (old pin)', 'bundle-2', [major(15, 0, { amcheck: false })]);
}
