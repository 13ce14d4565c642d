/**
 * Release identity from content, against FakeGitHub (a FAKE of GitHub's REST API): a rebuild with
 * the same files is the same release ("unchanged"), one with other files a new release; and the CVE
 * path: `outdated` finds a newer library in the latest release, the rebuild publishes a new release,
 * pin-bump opens the pull request naming the change. Small synthetic bundles, no PostgreSQL build.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../../../src/core/manifest';
import { outdatedCommand } from '../../../src/outdated/command';
import { compareWithAvailable } from '../../../src/outdated/outdated';
import { DEFAULT_PIN_PATH as PIN } from '../../../src/core/options';
import { primaryBundle } from '../../../src/pin/pinned';
import { parsePin } from '../../../src/pin/read';
import { publishCommand } from '../../../src/publish/command';
import { readReleaseRecord, ReleaseRecord } from '../../../src/release/record';
import { defaultTag } from '../../../src/publish/tag';
import { contentDigest, releaseManifest } from '../../../src/publish/release-identity';
import { FakeGitHub } from '../../fake-github';
import { bumpAndReadPin, makeArtifactDir, tempDir, testContext, unpackArchive } from './helpers';

const RELEASES = 'acme/bundles';
const CONSUMER = 'acme/pageserver';
const zlib = (debianVersion: string) => ({
  name: 'zlib',
  version: '1.2.13',
  debianPackage: 'zlib1g-dev',
  debianVersion,
  purl: `pkg:deb/debian/zlib1g-dev@${encodeURIComponent(debianVersion)}?arch=amd64&distro=debian-12`,
});

interface Build {
  /** the binaries' content: another salt is another build output */
  salt?: string;
  zlib?: string;
  /** libc6-dev's Debian version, when the build records it (outdated asks this machine's apt about it) */
  libc?: string;
  durationSeconds?: number;
  systemIdentifier?: string;
  revision?: string;
}

/** A built and verified --out of v15, with the facts of this run (duration, system identifier). */
function build(b: Build = {}): string {
  const out = tempDir('pgb-identity-');
  const manifest = makeArtifactDir(out, [15], b.salt ?? 'a');
  const v = manifest.versions['15'];
  v.components = [zlib(b.zlib ?? '1:1.2.13.dfsg-1')];
  if (b.libc)
    v.components.push({
      name: 'glibc',
      version: b.libc,
      debianPackage: 'libc6-dev',
      debianVersion: b.libc,
      purl: `pkg:deb/debian/libc6-dev@${encodeURIComponent(b.libc)}?arch=amd64&distro=debian-12`,
    });
  v.buildDurationSeconds = b.durationSeconds ?? 600;
  if (b.revision) v.source.revision = b.revision;
  const id = b.systemIdentifier ?? '7412345678901234567';
  v.conformance!.systemIdentifier = id;
  v.conformance!.checks.push({
    name: 'cluster',
    status: 'pass',
    detail: `pg_control_version 1300, catalog version 202307071, system identifier ${id}, data checksums off, CRC ok`,
  });
  v.conformance!.walredo = { mode: 'builtin', status: 'pass', durationMs: 4242, corpus: { walStop: '0/1' } };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return out;
}

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await FakeGitHub.start();
  fake.seedRepo({ repo: RELEASES });
  fake.seedRepo({
    repo: CONSUMER,
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
    knownOwners: ['@acme/storage'],
  });
});
afterEach(async () => {
  await fake.stop();
});

/** publish with the default tag, as bundle.yml does without a `tag` input. */
async function publish(out: string): Promise<ReleaseRecord> {
  const ctx = testContext();
  const code = await publishCommand(
    { out, repository: RELEASES, token: fake.token, apiUrl: fake.baseUrl },
    ctx,
  );
  if (code !== 0) throw new Error(`publish exited with ${code}: ${ctx.log.lines.join('\n')}`);
  return readReleaseRecord(join(out, 'publish', 'release.json'));
}

function releaseAsset(tag: string, name: string): Buffer {
  const release = fake.releases(RELEASES).find((r) => r.tagName === tag);
  const asset = release && fake.assets(RELEASES, release.id).find((a) => a.name === name);
  if (!asset) throw new Error(`release ${tag} has no asset ${name}`);
  return Buffer.from(asset.data);
}

test('the default tag follows the files: not the revision, the duration or the day', () => {
  const manifest = (b: Build) =>
    JSON.parse(readFileSync(join(build(b), 'manifest.json'), 'utf8')) as Manifest;
  const first = manifest({});
  expect(defaultTag(first)).toBe(`bundle-15.4-${contentDigest(first).slice(0, 7)}`);
  // the same files from a dirty tree, another run, another host: the same release
  expect(
    defaultTag(manifest({ revision: 'a1b2c3d4-dirty', durationSeconds: 7, systemIdentifier: '1' })),
  ).toBe(defaultTag(first));
  // other files (the same sources with a newer library): another release
  expect(defaultTag(manifest({ salt: 'b' }))).not.toBe(defaultTag(first));
});

test('the published manifest leaves out the facts of the run, inside the tarball too', async () => {
  const out = build();
  const record = await publish(out);
  const published = JSON.parse(releaseAsset(record.tag, 'manifest.json').toString('utf8')) as Manifest;
  const v = published.versions['15'];
  expect(v.buildDurationSeconds).toBeUndefined();
  expect(v.conformance?.systemIdentifier).toBeUndefined();
  expect(v.conformance?.checks.find((c) => c.name === 'cluster')?.detail).toBe(
    'pg_control_version 1300, catalog version 202307071, data checksums off, CRC ok',
  );
  expect(v.conformance?.walredo).toEqual({ mode: 'builtin', status: 'pass' });
  // the facts of the files stay
  expect(v.components).toEqual([zlib('1:1.2.13.dfsg-1')]);
  expect(v.conformance?.collation?.icuVersion).toBe('72.1');
  const entries = await unpackArchive(releaseAsset(record.tag, record.assetName));
  expect(entries[0].path).toBe('manifest.json');
  expect(JSON.parse(entries[0].data!.toString('utf8'))).toEqual(published);
  expect(releaseManifest(published)).toEqual(published);
});

test('a rebuild with the same files publishes nothing new ("unchanged"); with other files, a new release', async () => {
  const first = await publish(build());
  expect(first.state).toBe('created');
  // "Re-run all jobs": the same files, another duration and another verify cluster
  const rerun = await publish(build({ durationSeconds: 1234, systemIdentifier: '999' }));
  expect(rerun).toMatchObject({ tag: first.tag, state: 'unchanged', sha256: first.sha256 });
  const other = await publish(build({ salt: 'b' }));
  expect(other.state).toBe('created');
  expect(other.tag).not.toBe(first.tag);
  expect(fake.releases(RELEASES).map((r) => [r.tagName, r.draft])).toEqual([
    [first.tag, false],
    [other.tag, false],
  ]);
});

test('another commit of the same sources (same files, another source revision) leaves the release as it is', async () => {
  const first = await publish(build({ revision: 'aaaaaaa1111' }));
  const out = build({ revision: 'bbbbbbb2222', durationSeconds: 99 });
  const again = await publish(out);
  expect(again).toMatchObject({ tag: first.tag, state: 'unchanged', sha256: first.sha256 });
  expect(fake.releases(RELEASES)).toHaveLength(1);
  // <out>/publish holds the release's own assets: what pin-bump pins and the attestation signs
  const local = readFileSync(join(out, 'publish', 'manifest.json'));
  expect(local.equals(releaseAsset(first.tag, 'manifest.json'))).toBe(true);
  expect(JSON.parse(local.toString('utf8')).versions['15'].source.revision).toBe('aaaaaaa1111');
  expect(
    readFileSync(join(out, 'publish', first.assetName)).equals(releaseAsset(first.tag, first.assetName)),
  ).toBe(true);
  const bumped = await bumpAndReadPin(fake, { out, repository: CONSUMER, storageTeam: '@acme/storage' });
  const pin = parsePin(bumped.pinText, 'pin');
  expect(pin.tag).toBe(first.tag);
  expect(primaryBundle(pin).sha256).toBe(first.sha256);
});

test('the CVE path: outdated finds a newer library, the rebuild publishes a new release, pin-bump opens the PR', async () => {
  // the release the consumer pins today; its libc6-dev is older than anything apt offers (0.0-0)
  const before = build({ zlib: '1:1.2.13.dfsg-1', libc: '0.0-0' });
  const old = await publish(before);
  const pinned = await bumpAndReadPin(fake, {
    out: before,
    repository: CONSUMER,
    storageTeam: '@acme/storage',
  });
  fake.commitFiles(CONSUMER, 'main', { [PIN]: pinned.pinText }, 'merge the bump');

  // outdated.yml: `gh release download --pattern manifest.json`, then `pg-bundle outdated current`
  const current = tempDir('pgb-identity-current-');
  writeFileSync(join(current, 'manifest.json'), releaseAsset(old.tag, 'manifest.json'));
  const outdated = testContext([current]);
  expect(await outdatedCommand({ cacheDir: join(current, 'cache') }, outdated)).toBe(1);
  expect(outdated.outputs.outdated).toBe('true');
  expect(outdated.log.lines.join('\n')).toMatch(/v15: glibc \(libc6-dev\): 0\.0-0 → /);
  // and what it decides from, with this machine's apt out of the picture
  const manifest = JSON.parse(readFileSync(join(current, 'manifest.json'), 'utf8')) as Manifest;
  const report = compareWithAvailable(manifest, {
    packages: new Map([
      ['zlib1g-dev', '1:1.2.13.dfsg-1+deb12u1'],
      ['libc6-dev', '0.0-0'],
    ]),
    postgres: new Map([['v15', { cannotTell: 'a dir source cannot tell' }]]),
  });
  expect(report.changes.map((c) => `${c.what}: ${c.old} → ${c.new}`)).toEqual([
    'zlib (zlib1g-dev): 1:1.2.13.dfsg-1 → 1:1.2.13.dfsg-1+deb12u1',
  ]);

  // bundle.yml dispatched: the same PostgreSQL sources, the newer zlib linked in (other binaries)
  const after = build({ zlib: '1:1.2.13.dfsg-1+deb12u1', libc: '0.0-0', salt: 'b', durationSeconds: 700 });
  const rebuilt = await publish(after);
  expect(rebuilt.state).toBe('created');
  expect(rebuilt.tag).not.toBe(old.tag);

  const bumped = await bumpAndReadPin(fake, {
    out: after,
    repository: CONSUMER,
    storageTeam: '@acme/storage',
  });
  // the fake keeps the first PR open after the merge: the bump updates it
  expect(bumped.ctx.outputs['pin-bump-result']).toBe('updated');
  expect(parsePin(bumped.pinText, 'pin').tag).toBe(rebuilt.tag);
  const pulls = fake.pulls(CONSUMER).filter((p) => p.state === 'open');
  expect(pulls).toHaveLength(1);
  expect(pulls[0].title).toContain(rebuilt.tag);
  expect(pulls[0].body).toContain('1:1.2.13.dfsg-1+deb12u1');
});
