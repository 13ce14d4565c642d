import { compatRow } from '../../../bench/compat';
import { MajorComparison } from '../../../src/compare/report';

describe("the bench's compare-time row", () => {
  test('a major on one side only is said so', () => {
    expect(compatRow({ major: 18, presence: 'only in new' })).toEqual([
      'v18',
      'only in new',
      '-',
      '-',
      '-',
      '-',
    ]);
  });

  test('each stage: its time and what it found; a stage that did not run says why', () => {
    const m = {
      major: 15,
      presence: 'both',
      seconds: 61.2,
      collations: { measured: true, compared: 785, changed: [{}, {}], seconds: 38.5 },
      indexes: { measured: true, checked: 2, corrupt: 2, seconds: 16.5 },
      catalog: { measured: true, rows: 27556, differenceCount: 949, control: [{}], tables: 60 },
      walredo: { measured: false, why: 'no walredo' },
    } as unknown as MajorComparison;
    expect(compatRow(m)).toEqual([
      'v15',
      '61.2 s',
      '38.5 s (2 of 785 changed)',
      '16.5 s (2 of 2 corrupt)',
      '949 of 27556 rows, 1 fields differ',
      'not measured: no walredo',
    ]);
  });
});
