import { join } from 'node:path';
import { compiledTreeDir, compiledTreeKey } from '../../../src/build/compiled-tree';

const base = {
  major: 15,
  source: { dir: '/cache/debian/postgresql-15/src', revision: 'postgresql-15=15.18-0+deb12u1' },
  icu: { version: '72.1' } as { version: string; prefix?: string },
  toolchain: { compiler: 'gcc (Debian 12.2.0-14) 12.2.0', glibc: '2.36', binutils: 'GNU ld 2.40' },
};
const key = compiledTreeKey(base);

describe('compiled tree cache key', () => {
  test('is 16 hex digits and stable for the same inputs', () => {
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(compiledTreeKey(JSON.parse(JSON.stringify(base)))).toBe(key);
  });
  test('names the one directory every build of these inputs uses, whatever its linkage', () => {
    // the linkage is not an input: static and dynamic builds share the tree
    expect(compiledTreeDir({ ...base, cacheDir: '/c' })).toBe(join('/c', 'build', `v15-${key}`));
  });
  test.each([
    ['another source directory', { ...base, source: { ...base.source, dir: '/other' } }],
    ['another revision', { ...base, source: { ...base.source, revision: 'abc123-dirty' } }],
    ['another major (other configure flags)', { ...base, major: 14 }],
    ['another system ICU', { ...base, icu: { version: '67.1' } }],
    [
      'an ICU built from source (other flags too)',
      { ...base, icu: { version: '72.1', prefix: '/cache/icu/abc' } },
    ],
    [
      'another compiler',
      { ...base, toolchain: { ...base.toolchain, compiler: 'gcc (Debian 14.2.0-19) 14.2.0' } },
    ],
    ['another glibc', { ...base, toolchain: { ...base.toolchain, glibc: '2.41' } }],
  ])('changes with %s', (_what, input) => {
    expect(compiledTreeKey(input)).not.toBe(key);
  });
});
