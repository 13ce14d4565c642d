/**
 * A tree seeded from another source's compiled tree yields the files a cold build does, and the
 * build is reproducible from any path. The fork bundle test/run-all.sh built (its fork-shaped trees
 * seeded from the main job's upstream trees) is built again for one major from the same directory
 * source, cold, with an empty cache and out directory elsewhere and the same flags
 * (PG_BUNDLE_E2E_FORK_ARGS): every file of vNN/ must be equal. Then the compiled tree is deleted and
 * the major built once more with that cache: every object comes from ccache (ccache never changes
 * the output), and the files are still the same.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ccacheStatsOfBuildLog, differingPaths, fileSums } from '../support/rebuild';
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
  const entry = fork.manifest.versions[String(major)];
  const elsewhere = mkdtempSync(join(tmpdir(), 'pgb-seeded-'));
  const cache = join(elsewhere, 'cache');
  afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

  /** builds the fork tree again with the fork bundle's flags, the cache `cache`, into `outDir`; returns the log */
  function build(outDir: string): { log: string; built: typeof entry } {
    const args = [
      'bin/pg-bundle.js',
      'build',
      '--pg',
      String(major),
      '--source',
      entry.source.spec,
      ...flags,
    ];
    args.push('--cache-dir', cache, '--out', outDir);
    const r = spawnSync('node', args, { cwd: resolve(__dirname, '../..'), encoding: 'utf8' });
    expect(`${r.status} ${r.stderr.slice(-2000)}`).toMatch(/^0 /);
    const built = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')).versions[String(major)];
    return { log: r.stdout + r.stderr, built };
  }

  test(`v${major}: the seeded fork tree's bundle equals a cold build of the same tree elsewhere (another cache and out directory), file for file`, () => {
    expect(entry.source.kind).toBe('dir');
    const { log, built } = build(join(elsewhere, 'out'));
    expect(log).not.toMatch(/seed the tree/);
    const d = differingPaths(fileSums(entry), fileSums(built));
    console.log(
      `v${major}: seeded vs cold elsewhere: ${Object.keys(fileSums(built)).length} files, ${d.length} differ`,
    );
    expect(d).toEqual([]);
  });

  test(`v${major}: a build whose every object comes from ccache gives identical files`, () => {
    if (!existsSync(join(cache, 'build')))
      throw new Error('the cold build of the test above did not complete: nothing to rebuild from ccache');
    for (const name of readdirSync(join(cache, 'build')))
      rmSync(join(cache, 'build', name), { recursive: true, force: true });
    const { log, built } = build(join(elsewhere, 'from-ccache'));
    const stats = ccacheStatsOfBuildLog(log);
    expect(stats).toBeDefined();
    if (!stats) return;
    console.log(`v${major}: compiled from ccache: ${stats.hits} hits, ${stats.misses} misses`);
    expect(stats.misses).toBe(0);
    expect(stats.hits).toBeGreaterThan(500);
    expect(differingPaths(fileSums(entry), fileSums(built))).toEqual([]);
  });
}
