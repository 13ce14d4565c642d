/**
 * Bit-for-bit reproducible from any path: the version the main job built (with the default cache,
 * into its out directory) is built again from the same source with an empty cache directory
 * elsewhere and another out directory, cold (configure and the full compile). Every file's sha256
 * in the two manifests must be equal. test/run-all.sh runs this once, for one version.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

test(`v${version}: a cold build with another cache directory and out directory gives identical files`, () => {
  const first = entryOf(out);
  const elsewhere = mkdtempSync(join(tmpdir(), 'pgb-repro-'));
  try {
    const args = ['bin/pg-bundle.js', 'build', '--pg', String(version), '--source', first.source.spec];
    if (first.source.kind === 'tarball') args.push('--sha256', first.source.tarballSha256!);
    args.push('--cache-dir', join(elsewhere, 'another/cache'), '--out', join(elsewhere, 'another/out'));
    const r = spawnSync('node', args, { cwd: resolve(__dirname, '../..'), encoding: 'utf8' });
    expect(`${r.status} ${r.stderr.slice(-2000)}`).toMatch(/^0 /);
    const second = entryOf(join(elsewhere, 'another/out'));
    const sums = (e: Entry) => Object.fromEntries(e.files.map((f) => [f.path, f.sha256]));
    const a = sums(first);
    const b = sums(second);
    const differing = Object.keys({ ...a, ...b }).filter((p) => a[p] !== b[p]);
    console.log(`v${version}: ${Object.keys(b).length} files rebuilt elsewhere; ${differing.length} differ`);
    expect(differing).toEqual([]);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});
