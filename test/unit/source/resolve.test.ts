import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSource } from '../../../src/source/resolve';
import { sha256 } from '../../../src/util/hash';
import { MemoryLogger } from '../../support/memory-logger';

/** A minimal tree shaped like a PostgreSQL source: the files pg-bundle reads before compiling. */
function makeTree(root: string, version: string, extra: Record<string, string> = {}): string {
  const files: Record<string, string> = {
    configure: `#!/bin/sh\nPACKAGE_NAME='PostgreSQL'\nPACKAGE_VERSION='${version}'\n`,
    'src/include/catalog/catversion.h': '#define CATALOG_VERSION_NO\t202209061\n',
    'src/backend/main/main.c': 'else if (argc > 1 && strcmp(argv[1], "--single") == 0)\n',
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

let work: string;
const ctx = () => ({ cacheDir: join(work, 'cache'), log: new MemoryLogger() });
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'pgb-resolve-'));
});

describe('dir: sources', () => {
  test('reads version, catalog version and walredo presence', async () => {
    const tree = makeTree(join(work, 'pg'), '15.18');
    const r = await resolveSource({ kind: 'dir', path: tree }, 15, ctx());
    expect(r.version).toEqual({ full: '15.18', major: 15 });
    expect(r.catversion).toBe(202209061);
    expect(r.hasWalRedo).toBe(false);
    expect(r.revision).toMatch(/^content:[0-9a-f]{16} \(not a git checkout\)$|^[0-9a-f]{40}/);
  });
  test('a fork tree with --wal-redo is detected', async () => {
    const tree = makeTree(join(work, 'neon'), '16.4', {
      'src/backend/main/main.c': 'strcmp(argv[1], "--wal-redo") == 0',
    });
    expect((await resolveSource({ kind: 'dir', path: tree }, 16, ctx())).hasWalRedo).toBe(true);
  });
  test('version mismatch is refused before compiling', async () => {
    const tree = makeTree(join(work, 'pg'), '15.18');
    await expect(resolveSource({ kind: 'dir', path: tree }, 16, ctx())).rejects.toThrow(
      /is PostgreSQL 15.18, but version 16 was requested/,
    );
  });
  test('a missing directory names the path', async () => {
    await expect(resolveSource({ kind: 'dir', path: join(work, 'nope') }, 15, ctx())).rejects.toThrow(
      /source directory .*nope does not exist/,
    );
  });
  test('a directory that is not a PostgreSQL tree', async () => {
    mkdirSync(join(work, 'empty'));
    await expect(resolveSource({ kind: 'dir', path: join(work, 'empty') }, 15, ctx())).rejects.toThrow(
      /no configure script/,
    );
  });
  test('a tree configured in place is refused (builds are out of tree)', async () => {
    const tree = makeTree(join(work, 'pg'), '15.18', { 'config.status': '' });
    await expect(resolveSource({ kind: 'dir', path: tree }, 15, ctx())).rejects.toThrow(/make distclean/);
  });
  test('git revision of a checkout, marked dirty when modified', async () => {
    const tree = makeTree(join(work, 'pg'), '15.18');
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args]);
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'x');
    const rev = execFileSync('git', ['-C', tree, 'rev-parse', 'HEAD']).toString().trim();
    expect((await resolveSource({ kind: 'dir', path: tree }, 15, ctx())).revision).toBe(rev);
    writeFileSync(join(tree, 'configure'), "PACKAGE_VERSION='15.18'\n# local change\n");
    const dirty = (await resolveSource({ kind: 'dir', path: tree }, 15, ctx())).revision;
    expect(dirty).toMatch(new RegExp(`^content:[0-9a-f]{16} \\(${rev}-dirty\\)$`));
    // another modification is another revision (so another compiled tree and default tag)
    writeFileSync(join(tree, 'configure'), "PACKAGE_VERSION='15.18'\n# another local change\n");
    const dirty2 = (await resolveSource({ kind: 'dir', path: tree }, 15, ctx())).revision;
    expect(dirty2).not.toBe(dirty);
    expect(dirty2.startsWith('content:')).toBe(true);
  });
  test('a directory that is no git checkout is named by its content', async () => {
    const tree = makeTree(join(work, 'plain'), '15.18');
    const first = (await resolveSource({ kind: 'dir', path: tree }, 15, ctx())).revision;
    expect(first).toMatch(/^content:[0-9a-f]{16} \(not a git checkout\)$/);
    expect((await resolveSource({ kind: 'dir', path: tree }, 15, ctx())).revision).toBe(first);
    writeFileSync(join(tree, 'extra.c'), 'int x;\n');
    expect((await resolveSource({ kind: 'dir', path: tree }, 15, ctx())).revision).not.toBe(first);
  });
});

describe('tarball: sources', () => {
  function makeTarball(version: string): { path: string; sha: string } {
    makeTree(join(work, 'src', `postgresql-${version}`), version);
    const path = join(work, `postgresql-${version}.tar.gz`);
    execFileSync('tar', ['-czf', path, '-C', join(work, 'src'), `postgresql-${version}`]);
    return { path, sha: sha256(readFileSync(path)) };
  }
  test('checked, cached and extracted once', async () => {
    const { path, sha } = makeTarball('18.6');
    const r = await resolveSource({ kind: 'tarball', location: path, sha256: sha }, 18, ctx());
    expect(r.version.full).toBe('18.6');
    expect(r.revision).toBe(`sha256:${sha}`);
    expect(r.dir).toBe(join(work, 'cache', 'trees', sha, 'postgresql-18.6'));
    const again = await resolveSource({ kind: 'tarball', location: path, sha256: sha }, 18, ctx());
    expect(again.dir).toBe(r.dir);
  });
  test('a wrong checksum is refused and nothing is kept', async () => {
    const { path } = makeTarball('15.18');
    const wrong = 'b'.repeat(64);
    await expect(
      resolveSource({ kind: 'tarball', location: path, sha256: wrong }, 15, ctx()),
    ).rejects.toThrow(/checksum mismatch .* expected sha256 b{64}, got [0-9a-f]{64}/);
    expect(readdirSync(join(work, 'cache', 'downloads', wrong))).toEqual([]);
    expect(existsSync(join(work, 'cache', 'trees', wrong))).toBe(false);
  });
  test('a missing file is a clear error', async () => {
    await expect(
      resolveSource(
        { kind: 'tarball', location: join(work, 'none.tar.gz'), sha256: 'c'.repeat(64) },
        15,
        ctx(),
      ),
    ).rejects.toThrow(/does not exist/);
  });
});
