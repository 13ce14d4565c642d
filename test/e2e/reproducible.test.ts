/**
 * Bit-for-bit reproducible from any path: the version the main job built (with the default cache,
 * into its out directory) is built again from the same source with an empty cache directory
 * elsewhere and another out directory, cold (configure and the compile). Every file's sha256 in the
 * two manifests must be equal. Then the compiled tree is deleted and the version built once more
 * with that cache: every object comes from ccache, and the files are still the same (ccache never
 * changes the output). test/run-all.sh runs this once, for one version.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ccacheStatsOfBuildLog, differingPaths, fileSums } from '../support/rebuild';
import { requireBundle } from './bundle-env';

const { out, version } = requireBundle();
jest.setTimeout(30 * 60_000);

interface FileEntry {
  path: string;
  sha256: string;
}
type Entry = { files: FileEntry[]; source: { spec: string; tarballSha256?: string; kind: string } };
const entryOf = (dir: string): Entry =>
  JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).versions[String(version)];

const first = entryOf(out);
const elsewhere = mkdtempSync(join(tmpdir(), 'pgb-repro-'));
const cache = join(elsewhere, 'another/cache');
afterAll(() => rmSync(elsewhere, { recursive: true, force: true }));

function build(outDir: string): string {
  const args = ['bin/pg-bundle.js', 'build', '--pg', String(version), '--source', first.source.spec];
  if (first.source.kind === 'tarball') args.push('--sha256', first.source.tarballSha256!);
  args.push('--cache-dir', cache, '--out', outDir);
  const r = spawnSync('node', args, { cwd: resolve(__dirname, '../..'), encoding: 'utf8' });
  expect(`${r.status} ${r.stderr.slice(-2000)}`).toMatch(/^0 /);
  return r.stdout + r.stderr;
}

test(`v${version}: a cold build with another cache directory and out directory gives identical files`, () => {
  build(join(elsewhere, 'another/out'));
  const b = fileSums(entryOf(join(elsewhere, 'another/out')));
  console.log(
    `v${version}: ${Object.keys(b).length} files rebuilt elsewhere; ${differingPaths(fileSums(first), b).length} differ`,
  );
  expect(differingPaths(fileSums(first), b)).toEqual([]);
});

test(`v${version}: a build whose every object comes from ccache gives identical files`, () => {
  for (const name of readdirSync(join(cache, 'build')))
    rmSync(join(cache, 'build', name), { recursive: true, force: true });
  const log = build(join(elsewhere, 'from-ccache'));
  const stats = ccacheStatsOfBuildLog(log);
  expect(stats).toBeDefined();
  if (!stats) return;
  console.log(`v${version}: compiled from ccache: ${stats.hits} hits, ${stats.misses} misses`);
  expect(stats.misses).toBe(0);
  expect(stats.hits).toBeGreaterThan(500);
  expect(differingPaths(fileSums(first), fileSums(entryOf(join(elsewhere, 'from-ccache'))))).toEqual([]);
});
