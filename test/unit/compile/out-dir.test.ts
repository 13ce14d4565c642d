import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundles } from '../../../src/compile/build';
import { claimOutDir, OUT_MARKER } from '../../../src/compile/out-dir';
import { UserError } from '../../../src/util/errors';
import { MemoryLogger } from '../../support/memory-logger';

describe('build never deletes what it did not create', () => {
  const base = () => mkdtempSync(join(tmpdir(), 'pgb-outdir-'));

  it('refuses an unrelated non-empty --out before doing anything, and leaves it alone', async () => {
    const out = base();
    mkdirSync(join(out, 'logs/v15'), { recursive: true });
    writeFileSync(join(out, 'logs/v15/mine.txt'), 'precious');
    mkdirSync(join(out, '.build'));
    writeFileSync(join(out, 'notes.txt'), 'precious');
    const build = buildBundles({
      versions: [15],
      sources: new Map(),
      out,
      cacheDir: join(out, 'cache'),
      modules: [],
      locales: [],
      keepDebug: false,
      installDeps: false,
      jobs: 1,
      log: new MemoryLogger(),
    });
    await expect(build).rejects.toThrow(/not made by pg-bundle build/);
    await expect(build).rejects.toBeInstanceOf(UserError);
    expect(readFileSync(join(out, 'logs/v15/mine.txt'), 'utf8')).toBe('precious');
    expect(existsSync(join(out, '.build'))).toBe(true);
    expect(existsSync(join(out, 'cache'))).toBe(false);
  });

  it('refuses / and $HOME (and its parents)', () => {
    const home = base();
    expect(() => claimOutDir('/', home)).toThrow(/home directory/);
    expect(() => claimOutDir(home, home)).toThrow(UserError);
    expect(() => claimOutDir(join(home, '..'), home)).toThrow(UserError);
  });

  it('accepts a new, an empty, a marked and an older build directory, and marks it', () => {
    const root = base();
    for (const dir of ['new/out', 'empty', 'marked', 'older']) {
      if (dir !== 'new/out') mkdirSync(join(root, dir));
    }
    writeFileSync(join(root, 'marked', OUT_MARKER), '');
    writeFileSync(join(root, 'marked', 'anything'), '');
    mkdirSync(join(root, 'older', 'v15'));
    writeFileSync(
      join(root, 'older', 'manifest.json'),
      JSON.stringify({
        schemaVersion: 1,
        tool: { name: 'pg-bundle' },
        platform: 'linux-x86_64',
        versions: {},
      }),
    );
    for (const dir of ['new/out', 'empty', 'marked', 'older']) {
      expect(claimOutDir(join(root, dir), '/nonexistent-home')).toBe(join(root, dir));
      expect(existsSync(join(root, dir, OUT_MARKER))).toBe(true);
    }
  });
});
