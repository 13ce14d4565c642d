import { join } from 'node:path';
import {
  bundleCompileDirs,
  bundleInstallDirs,
  compiledSourceDir,
  contribModuleDirs,
  compiledTreeDir,
  compiledTreeFlagsKey,
  compiledTreeKey,
} from '../../../src/compile/compiled-tree';
import { platformById } from '../../../src/core/platform';

const X86 = platformById('linux-x86_64')!;
const ARM = platformById('linux-aarch64')!;
import { IN_TREE_MODULES } from '../../../src/compile/modules';

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
    ['a cross build for another platform', { ...base, target: { platform: ARM, host: X86 } }],
  ])('changes with %s', (_what, input) => {
    expect(compiledTreeKey(input)).not.toBe(key);
  });
});

describe('compiled tree key of a dir: source', () => {
  const dirSource = {
    ...base,
    source: { dir: '/fork', revision: 'content:aaaa (not a git checkout)', spec: { kind: 'dir' as const } },
  };
  test('does not change with its revision: one tree per directory, its snapshot synced by content', () => {
    expect(
      compiledTreeKey({ ...dirSource, source: { ...dirSource.source, revision: 'content:bbbb (x-dirty)' } }),
    ).toBe(compiledTreeKey(dirSource));
  });
  test('changes with the directory', () => {
    expect(compiledTreeKey({ ...dirSource, source: { ...dirSource.source, dir: '/fork2' } })).not.toBe(
      compiledTreeKey(dirSource),
    );
  });
});

describe('where a dir: source is compiled from', () => {
  test('a snapshot whose path neither prefixes nor is prefixed by the build directory (prefix maps match strings)', () => {
    const buildDir = '/c/build/v15-0123456789abcdef';
    const snapshot = compiledSourceDir({ spec: { kind: 'dir', path: '/fork' }, dir: '/fork' }, buildDir);
    expect(snapshot).toBe('/c/snapshots/v15-0123456789abcdef');
    expect(snapshot.startsWith(buildDir)).toBe(false);
    expect(buildDir.startsWith(snapshot)).toBe(false);
  });
  test('other sources are compiled where they were extracted', () => {
    expect(
      compiledSourceDir(
        { spec: { kind: 'tarball', location: 'x', sha256: 'y' }, dir: '/c/trees/a/pg' },
        '/c/build/v15-x',
      ),
    ).toBe('/c/trees/a/pg');
  });
});

describe('compiled tree flags key (what a seed base must share)', () => {
  test('does not depend on where the source is', () => {
    expect(compiledTreeFlagsKey(base)).toBe(
      compiledTreeFlagsKey({ ...base, source: { dir: '/fork', revision: 'abc' } } as typeof base),
    );
  });
  test.each([
    ['another major', { ...base, major: 14 }],
    ['another ICU', { ...base, icu: { version: '67.1' } }],
    ['another glibc', { ...base, toolchain: { ...base.toolchain, glibc: '2.41' } }],
    ['a cross build for another platform', { ...base, target: { platform: ARM, host: X86 } }],
  ])('changes with %s', (_what, input) => {
    expect(compiledTreeFlagsKey(input)).not.toBe(compiledTreeFlagsKey(base));
  });
});

test('a native target keeps the key trees had before cross builds existed (warm caches stay warm)', () => {
  expect(compiledTreeFlagsKey({ ...base, target: { platform: X86, host: X86 } })).toBe(
    compiledTreeFlagsKey(base),
  );
});

describe('what a bundle build compiles and stages', () => {
  test('the backend, initdb, pg_config and every in-tree module directory, never the client programs', () => {
    const dirs = bundleCompileDirs();
    // what the backend links is made before it (make -j in one directory does not wait for another)
    for (const lib of ['src/common', 'src/port', 'src/timezone'])
      expect(dirs.indexOf(lib)).toBeLessThan(dirs.indexOf('src/backend'));
    for (const lib of ['src/interfaces/libpq', 'src/fe_utils'])
      expect(dirs.indexOf(lib)).toBeLessThan(dirs.indexOf('src/bin/initdb'));
    for (const d of [
      'src/bin/initdb',
      'src/bin/pg_config',
      'src/timezone',
      ...IN_TREE_MODULES.map((m) => m.dir),
    ])
      expect(dirs).toContain(d);
    for (const d of ['src/bin/psql', 'src/interfaces/ecpg', 'src/bin', '.']) expect(dirs).not.toContain(d);
  });
  test('a whole-tree build also makes the in-tree modules the top-level make leaves out (contrib/amcheck)', () => {
    expect(contribModuleDirs()).toEqual(
      IN_TREE_MODULES.map((m) => m.dir).filter((d) => d.startsWith('contrib/')),
    );
    expect(contribModuleDirs()).toContain('contrib/amcheck');
  });
  test('stages what PGXS needs (headers, makefiles, config) besides the compiled directories', () => {
    const dirs = bundleInstallDirs();
    for (const d of ['src/include', 'src/makefiles', 'config', ...bundleCompileDirs()])
      expect(dirs).toContain(d);
  });
});
