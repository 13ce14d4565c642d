import { corpusCopyText, groupChanged } from '../../../src/compare/collations';
import { OrderHash } from '../../../src/compare/collation-order';

const h = (name: string, hash: string | null, error: string | null = null): OrderHash => ({
  name,
  ms: 1,
  hash,
  error,
});
const side = (...rows: OrderHash[]) => new Map(rows.map((r) => [r.name, r]));
const group = (name: string) => ({ representative: name, members: [name] });

describe('groupChanged', () => {
  it.each<[string, { old: OrderHash[]; new: OrderHash[] }, boolean | undefined, boolean]>([
    ['both sides sorted the corpus alike', { old: [h('x', 'P')], new: [h('x', 'P')] }, true, false],
    [
      'both sides sorted the corpus, the orders differ',
      { old: [h('x', 'P')], new: [h('x', 'P')] },
      false,
      true,
    ],
    ['sorts on one side only', { old: [h('x', 'P')], new: [h('x', null, 'no collator')] }, undefined, true],
    [
      'the same error on both sides',
      { old: [h('x', null, 'e')], new: [h('x', null, 'e')] },
      undefined,
      false,
    ],
  ])('%s', (_, probe, sameOrder, changed) => {
    const probes = { old: side(...probe.old), new: side(...probe.new) };
    expect(groupChanged(group('x'), probes, sameOrder)).toBe(changed);
  });
});

describe('corpusCopyText', () => {
  it('writes id, escaped string and probe flag per line', () => {
    expect(corpusCopyText(['a', 'tab\there', 'back\\'], [true, false, true])).toBe(
      '0\ta\tt\n1\ttab\\there\tf\n2\tback\\\\\tt\n',
    );
  });
});
