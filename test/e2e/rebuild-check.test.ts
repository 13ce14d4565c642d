/**
 * rebuild-check on the real bundle: rebuilt from the inputs its manifest records, every file is
 * identical; with one file that does not come from those inputs (listed in the manifest with its
 * own sha256) and one file changed on disk after the build, both are named. Given a pin file, the
 * pinned bundle is fetched first (the reviewer's view of a pin-bump pull request); given a release
 * (--repository and --tag), its bundle is fetched from GitHub (here FakeGitHub) first.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest } from '../../src/core/manifest';
import { rebuildCheckCommand } from '../../src/rebuild-check/command';
import { publishCommand } from '../../src/publish/command';
import { readArtifactDir } from '../../src/publish/artifacts';
import { buildBundleArchive } from '../../src/publish/prepare';
import { pinFromManifest, serialisePin } from '../../src/pin/write';
import { sha256 } from '../../src/util/hash';
import { FakeGitHub } from '../fake-github';
import { testContext } from '../unit/publish/helpers';
import { requireBundle } from './bundle-env';
import { releaseOf } from '../support/pins';

const { out, version } = requireBundle();
jest.setTimeout(30 * 60_000);

function copyOfBundle(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-rebuild-check-'));
  cpSync(join(out, 'manifest.json'), join(dir, 'manifest.json'));
  cpSync(join(out, `v${version}`), join(dir, `v${version}`), { recursive: true });
  // only this version: rebuild-check rebuilds every version the manifest lists
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  manifest.versions = { [String(version)]: manifest.versions[String(version)] };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

test(`v${version}: a rebuild from the manifest's inputs is identical, file by file`, async () => {
  const dir = copyOfBundle();
  try {
    const ctx = testContext([dir]);
    const code = await rebuildCheckCommand({ jobs: '2' }, ctx);
    const text = ctx.log.lines.join('\n');
    expect(text).toMatch(new RegExp(`v${version}: \\d+ identical, 0 different`));
    expect(code).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`v${version}: a file not from the recorded inputs and a file changed after the build are named`, async () => {
  const dir = copyOfBundle();
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const entry = manifest.versions[String(version)];
    const shipped = `v${version}/share/postgresql/timezonesets/Default`;
    const afterBuild = `v${version}/share/postgresql/postgresql.conf.sample`;
    // a bundle whose manifest lists a file the recorded inputs do not produce
    const other = Buffer.concat([readFileSync(join(dir, shipped)), Buffer.from('# not from the source\n')]);
    writeFileSync(join(dir, shipped), other);
    const listed = entry.files.find((f) => f.path === shipped)!;
    Object.assign(listed, { sha256: sha256(other), size: other.length });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    // and a file changed on disk after the build, the manifest untouched
    writeFileSync(join(dir, afterBuild), 'tampered\n');

    const ctx = testContext([dir]);
    const code = await rebuildCheckCommand({ jobs: '2' }, ctx);
    const text = ctx.log.lines.join('\n');
    expect(code).toBe(1);
    expect(text).toMatch(new RegExp(`v${version}: \\d+ identical, 2 different`));
    expect(text).toContain(`different: ${shipped} (size`);
    expect(text).toContain(`different: ${afterBuild} (the bundle's file changed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(`v${version}: given a pin file, the pinned bundle is fetched, then rebuilt and compared`, async () => {
  const dir = copyOfBundle();
  const pinDir = mkdtempSync(join(tmpdir(), 'pgb-rebuild-check-pin-'));
  try {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    const asset = await buildBundleArchive(readArtifactDir(dir));
    const assetPath = join(pinDir, 'bundle.tar.zst');
    writeFileSync(assetPath, asset);
    const pin = pinFromManifest(
      manifest,
      releaseOf({
        repository: 'acme/compute',
        tag: 'bundle-e2e',
        releaseUrl: 'https://github.com/acme/compute/releases/tag/bundle-e2e',
        assetName: 'bundle.tar.zst',
        assetUrl: `file://${assetPath}`,
        sha256: sha256(asset),
      }),
    );
    const pinPath = join(pinDir, 'postgres-bundle.json');
    writeFileSync(pinPath, serialisePin(pin));
    const ctx = testContext([pinPath]);
    const code = await rebuildCheckCommand({ jobs: '2' }, ctx);
    expect(ctx.log.lines.join('\n')).toMatch(new RegExp(`v${version}: \\d+ identical, 0 different`));
    expect(code).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(pinDir, { recursive: true, force: true });
  }
});

test(`v${version}: given a release (--repository, --tag), its bundle is fetched from GitHub, then rebuilt and compared`, async () => {
  const dir = copyOfBundle();
  const fake = await FakeGitHub.start();
  try {
    fake.seedRepo({ repo: 'acme/compute' });
    const github = { token: fake.token, apiUrl: fake.baseUrl, repository: 'acme/compute', tag: 'bundle-e2e' };
    expect(await publishCommand({ out: dir, ...github }, testContext())).toBe(0);
    const ctx = testContext();
    const code = await rebuildCheckCommand({ ...github, jobs: '2' }, ctx);
    const text = ctx.log.lines.join('\n');
    expect(text).toContain('unpacked bundle-e2e');
    expect(text).toMatch(new RegExp(`v${version}: \\d+ identical, 0 different`));
    expect(code).toBe(0);
    expect(fake.callsTo('repos/get-release-by-tag').length).toBeGreaterThan(0);
    fake.assertNoViolations();
  } finally {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
