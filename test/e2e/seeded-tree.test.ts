/**
 * A tree seeded from another source's compiled tree yields the files a cold build does. The fork
 * bundle test/run-all.sh built (its fork-shaped trees seeded from the main job's upstream trees) is
 * built again for one major from the same directory source, cold, with an empty cache elsewhere and
 * the same flags (PG_BUNDLE_E2E_FORK_ARGS): every file of vNN/ must be equal.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { namedBundle } from './bundle-env';

jest.setTimeout(30 * 60_000);
const fork = namedBundle('PG_BUNDLE_E2E_FORK_BUNDLE');
const flags = (process.env.PG_BUNDLE_E2E_FORK_ARGS ?? '').split(/\s+/).filter(Boolean);

if (!fork || fork.majors.length !== 1) {
  test('needs PG_BUNDLE_E2E_FORK_BUNDLE (a fork bundle) and PG_BUNDLE_E2E_VERSION (one of its majors)', () => {
    throw new Error(
      'set PG_BUNDLE_E2E_FORK_BUNDLE, PG_BUNDLE_E2E_VERSION and PG_BUNDLE_E2E_FORK_ARGS (test/run-all.sh does)',
    );
  });
} else {
  const major = fork.majors[0];
  test(`v${major}: the seeded fork tree's bundle equals a cold build of the same tree, file for file`, () => {
    const entry = fork.manifest.versions[String(major)];
    expect(entry.source.kind).toBe('dir');
    const elsewhere = mkdtempSync(join(tmpdir(), 'pgb-seeded-'));
    try {
      const outDir = join(elsewhere, 'out');
      const args = [
        'bin/pg-bundle.js',
        'build',
        '--pg',
        String(major),
        '--source',
        entry.source.spec,
        ...flags,
      ];
      args.push('--cache-dir', join(elsewhere, 'cache'), '--out', outDir);
      const r = spawnSync('node', args, { cwd: resolve(__dirname, '../..'), encoding: 'utf8' });
      expect(`${r.status} ${r.stderr.slice(-2000)}`).toMatch(/^0 /);
      expect(r.stdout + r.stderr).not.toMatch(/seed the tree/);
      const cold = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')).versions[String(major)];
      const sums = (e: typeof entry) => Object.fromEntries(e.files.map((f) => [f.path, f.sha256]));
      const a = sums(entry);
      const b = sums(cold);
      const differing = Object.keys({ ...a, ...b }).filter((p) => a[p] !== b[p]);
      console.log(`v${major}: seeded vs cold: ${Object.keys(b).length} files, ${differing.length} differ`);
      expect(differing).toEqual([]);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
}
