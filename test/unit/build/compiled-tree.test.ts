import { compiledTreeKey } from '../../../src/build/compiled-tree';
import { configureArgs } from '../../../src/build/configure';

const source = { dir: '/cache/debian/postgresql-15/src', revision: 'postgresql-15=15.18-0+deb12u1' };
const args15 = configureArgs({ major: 15, sourceDir: source.dir, buildDir: '' });
const systemIcu = { version: '72.1' };
const base = compiledTreeKey(source, args15, systemIcu);

describe('compiled tree cache key', () => {
  test('is 16 hex digits and stable for the same inputs', () => {
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(compiledTreeKey({ ...source }, [...args15], { ...systemIcu })).toBe(base);
  });
  test('does not depend on the build directory (static and dynamic builds share the tree)', () => {
    expect(
      compiledTreeKey(source, configureArgs({ major: 15, sourceDir: source.dir, buildDir: '/x' }), systemIcu),
    ).toBe(base);
  });
  test.each([
    ['another source directory', { ...source, dir: '/other' }, args15, systemIcu],
    ['another revision', { ...source, revision: 'abc123-dirty' }, args15, systemIcu],
    [
      'other configure flags',
      source,
      configureArgs({ major: 14, sourceDir: source.dir, buildDir: '' }),
      systemIcu,
    ],
    ['another system ICU', source, args15, { version: '67.1' }],
    ['an ICU built from source', source, args15, { version: '72.1', prefix: '/cache/icu/abc' }],
  ])('changes with %s', (_what, src, args, icu) => {
    expect(compiledTreeKey(src, args, icu)).not.toBe(base);
  });
});
