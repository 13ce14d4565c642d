import { changedGroupsOf, corpusCopyText } from '../../../src/compare/collations';
import { OrderHash } from '../../../src/compare/collation-order';

const h = (name: string, hash: string | null, error: string | null = null): OrderHash => ({
  name,
  ms: 1,
  hash,
  error,
});
const side = (...rows: OrderHash[]) => new Map(rows.map((r) => [r.name, r]));
const group = (name: string) => ({ representative: name, members: [name] });

describe('changedGroupsOf', () => {
  it.each<[string, { old: OrderHash[]; new: OrderHash[] }, { old: OrderHash[]; new: OrderHash[] }, boolean]>([
    [
      'same probe, same whole order',
      { old: [h('x', 'P')], new: [h('x', 'P')] },
      { old: [h('x', 'F')], new: [h('x', 'F')] },
      false,
    ],
    [
      'same probe, whole order differs',
      { old: [h('x', 'P')], new: [h('x', 'P')] },
      { old: [h('x', 'F')], new: [h('x', 'G')] },
      true,
    ],
    [
      'probe differs: changed without a whole-corpus hash',
      { old: [h('x', 'P')], new: [h('x', 'Q')] },
      { old: [], new: [] },
      true,
    ],
    [
      'sorts on one side only',
      { old: [h('x', 'P')], new: [h('x', null, 'no collator')] },
      { old: [], new: [] },
      true,
    ],
  ])('%s', (_, probe, full, changed) => {
    const got = changedGroupsOf(
      [group('x')],
      { old: side(...probe.old), new: side(...probe.new) },
      { old: side(...full.old), new: side(...full.new) },
    );
    expect(got.length > 0).toBe(changed);
  });
});

describe('corpusCopyText', () => {
  it('writes id, escaped string and probe flag per line', () => {
    expect(corpusCopyText(['a', 'tab\there', 'back\\'], [true, false, true])).toBe(
      '0\ta\tt\n1\ttab\\there\tf\n2\tback\\\\\tt\n',
    );
  });
});
