import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONFIGURED_FILE,
  findSeedBase,
  movePaths,
  seedTree,
  TREE_LAYOUT,
} from '../../../src/compile/seed-tree';
import { differingPaths, syncSnapshot } from '../../../src/compile/source-snapshot';

const OLD = new Date('2020-01-01T00:00:00Z');

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
    utimesSync(join(root, path), OLD, OLD);
  }
}

describe('movePaths (pure)', () => {
  test.each([
    ['one path', '/a/src/x.c: /a/src/x.h', [['/a/src', '/b/s']], '/b/s/x.c: /b/s/x.h'],
    [
      'two paths in one pass (no chained moves)',
      '/a /b',
      [
        ['/a', '/b'],
        ['/b', '/a'],
      ],
      '/b /a',
    ],
    [
      'the longest key first',
      '/a/build.src/x /a/build/y',
      [
        ['/a/build', '/n/b'],
        ['/a/build.src', '/n/b.src'],
      ],
      '/n/b.src/x /n/b/y',
    ],
    ['regex characters in paths', '/c+x/(1)/f', [['/c+x/(1)', '/d']], '/d/f'],
  ])('%s', (_what, text, moves, want) => {
    expect(movePaths(text as string, new Map(moves as [string, string][]))).toBe(want);
  });
});

describe('source snapshot and seeded trees', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'seed-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a sync writes only what differs (mtime new), keeps the rest (mtime old), removes what is gone', () => {
    const from = join(dir, 'from');
    const to = join(dir, 'to');
    write(from, { 'a.c': 'same', 'b.h': 'new text', 'sub/c.c': 'added', '.git/HEAD': 'ref' });
    write(to, { 'a.c': 'same', 'b.h': 'old text', 'gone.c': 'x' });
    const { written, removed } = syncSnapshot(from, to);
    expect(written.sort()).toEqual(['b.h', 'sub', 'sub/c.c']);
    expect(removed).toEqual(['gone.c']);
    expect(statSync(join(to, 'a.c')).mtime).toEqual(OLD);
    expect(statSync(join(to, 'b.h')).mtimeMs).toBeGreaterThan(OLD.getTime());
    expect(readFileSync(join(to, 'b.h'), 'utf8')).toBe('new text');
    expect(() => statSync(join(to, '.git'))).toThrow();
    expect(syncSnapshot(from, to)).toEqual({ written: [], removed: [] });
  });

  test('a first copy keeps the source mtimes (a generated file stays older than its input)', () => {
    write(join(dir, 'from'), { 'gram.y': 'y', 'gram.c': 'c' });
    syncSnapshot(join(dir, 'from'), join(dir, 'to'), true);
    expect(statSync(join(dir, 'to', 'gram.c')).mtime).toEqual(OLD);
  });

  test('a tree of an older layout is never a base (its objects may carry other debug paths)', () => {
    write(join(dir, 'upstream'), { 'a.c': 'a' });
    write(join(dir, 'fork'), { 'a.c': 'a' });
    compiledTree('v15-old', join(dir, 'upstream'), 'K', 1);
    expect(
      findSeedBase({
        cacheBuildDir: join(dir, 'cache', 'build'),
        major: 15,
        flagsKey: 'K',
        source: join(dir, 'fork'),
        exclude: '',
      }),
    ).toBeUndefined();
  });

  test('a candidate whose snapshot is gone is skipped, not an error', () => {
    write(join(dir, 'fork'), { 'a.c': 'a' });
    compiledTree('v15-gone', join(dir, 'vanished'), 'K');
    expect(
      findSeedBase({
        cacheBuildDir: join(dir, 'cache', 'build'),
        major: 15,
        flagsKey: 'K',
        source: join(dir, 'fork'),
        exclude: '',
      }),
    ).toBeUndefined();
  });

  test('a mode change is a difference (an executable script)', () => {
    write(join(dir, 'a'), { configure: 'x' });
    write(join(dir, 'b'), { configure: 'x' });
    expect(differingPaths(join(dir, 'a'), join(dir, 'b')).differing).toEqual([]);
    chmodSync(join(dir, 'b', 'configure'), 0o755);
    expect(differingPaths(join(dir, 'a'), join(dir, 'b')).differing).toEqual(['configure']);
  });

  function compiledTree(name: string, source: string, flagsKey: string, layout = TREE_LAYOUT): string {
    const build = join(dir, 'cache', 'build', name);
    write(build, {
      [CONFIGURED_FILE]: JSON.stringify({ source, revision: 'r', args: [], flagsKey, layout }),
      'src/Makefile.global': `abs_top_srcdir = ${source}\nabs_top_builddir = ${build}\n`,
      'src/backend/.deps/x.Po': `x.o: ${source}/src/backend/x.c ${source}/src/include/x.h\n`,
    });
    symlinkSync(join(source, 'GNUmakefile'), join(build, 'GNUmakefile'));
    return build;
  }

  test('the base is the tree of the same major and flags whose source is closest, when close enough', () => {
    const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`f${i}.c`, `${i}`]));
    write(join(dir, 'upstream'), files);
    write(join(dir, 'fork'), { ...files, 'f0.c': 'edited' });
    write(join(dir, 'far'), Object.fromEntries(Object.keys(files).map((f) => [f, 'other'])));
    compiledTree('v15-aaaa', join(dir, 'upstream'), 'K');
    compiledTree('v15-bbbb', join(dir, 'far'), 'K');
    compiledTree('v15-cccc', join(dir, 'upstream'), 'other flags');
    compiledTree('v14-dddd', join(dir, 'upstream'), 'K');
    const find = (source: string) =>
      findSeedBase({
        cacheBuildDir: join(dir, 'cache', 'build'),
        major: 15,
        flagsKey: 'K',
        source,
        exclude: '',
      });
    expect(find(join(dir, 'fork'))).toMatchObject({
      buildDir: join(dir, 'cache', 'build', 'v15-aaaa'),
      differing: 1,
      total: 20,
    });
    // nothing close enough: every file differs from every candidate
    write(join(dir, 'unrelated'), Object.fromEntries(Object.keys(files).map((f) => [f, 'unrelated'])));
    expect(find(join(dir, 'unrelated'))).toBeUndefined();
  });

  test('seeding copies the base with its mtimes and moves every path inside to the new tree', async () => {
    write(join(dir, 'upstream'), { 'src/backend/x.c': 'int x;', GNUmakefile: 'all:' });
    const base = compiledTree('v15-aaaa', join(dir, 'upstream'), 'K');
    const target = join(dir, 'cache', 'build', 'v15-ffff');
    const snap = join(dir, 'cache', 'snapshots', 'v15-ffff'); // its parent does not exist yet
    await seedTree({ buildDir: base, source: join(dir, 'upstream'), differing: 0, total: 2 }, target, snap);
    // the base's record is not copied: the caller records the seeded tree when it is complete
    expect(existsSync(join(target, CONFIGURED_FILE))).toBe(false);
    const po = join(target, 'src/backend/.deps/x.Po');
    expect(readFileSync(po, 'utf8')).toBe(`x.o: ${snap}/src/backend/x.c ${snap}/src/include/x.h\n`);
    expect(statSync(po).mtime).toEqual(OLD);
    expect(readFileSync(join(target, 'src/Makefile.global'), 'utf8')).toBe(
      `abs_top_srcdir = ${snap}\nabs_top_builddir = ${target}\n`,
    );
    expect(readlinkSync(join(target, 'GNUmakefile'))).toBe(join(snap, 'GNUmakefile'));
    expect(statSync(join(snap, 'src/backend/x.c')).mtime).toEqual(OLD);
  });
});
