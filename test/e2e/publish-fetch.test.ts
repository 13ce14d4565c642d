/**
 * Issue 6's end to end on the real bundle: publish the verified bundle to FakeGitHub (a FAKE of
 * GitHub's REST API, validated against its OpenAPI description), twice (no duplicate release or
 * asset), open the pin-bump PR, fetch the pinned bundle into a fresh pg_distrib_dir and run its
 * initdb from there as the storage service does.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { publishCommand } from '../../src/publish/command';
import { FakeGitHub } from '../fake-github';
import { bumpAndReadPin, fetchFromPin, testContext } from '../unit/publish/helpers';
import { initdbArgv } from '../../src/verify/invocation';
import { requireBundle } from './bundle-env';

jest.setTimeout(20 * 60_000);
const { out: built, version } = requireBundle();

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await FakeGitHub.start();
});
afterAll(async () => {
  await fake.stop();
});

test(`publish v${version} → publish again → pin-bump → fetch → initdb`, async () => {
  fake.seedRepo({ repo: 'acme/compute' });
  fake.seedRepo({
    repo: 'acme/storage',
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage-team\n' },
    knownOwners: ['@acme/storage-team'],
  });
  const out = mkdtempSync(join(tmpdir(), 'pgb-e2e-publish-'));
  cpSync(join(built, `v${version}`), join(out, `v${version}`), { recursive: true });
  // the manifest of this one version (the built bundle may hold several)
  const manifest = JSON.parse(readFileSync(join(built, 'manifest.json'), 'utf8'));
  manifest.versions = { [String(version)]: manifest.versions[String(version)] };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
  const common = {
    out,
    token: fake.token,
    apiUrl: fake.baseUrl,
    repository: 'acme/compute',
    tag: 'bundle-e2e',
  };

  expect(await publishCommand(common, testContext())).toBe(0);
  const writesAfterFirst = fake.requests.filter((r) => r.method !== 'GET').length;
  expect(await publishCommand(common, testContext())).toBe(0);
  expect(fake.requests.filter((r) => r.method !== 'GET').length).toBe(writesAfterFirst);
  const releases = fake.releases('acme/compute');
  expect(releases).toHaveLength(1);
  expect(
    fake
      .assets('acme/compute', releases[0].id)
      .map((a) => a.name)
      .sort(),
  ).toEqual(['SHA256SUMS', 'manifest.json', 'pg-bundle-bundle-e2e-linux-x86_64.tar.zst', 'sbom.cdx.json']);

  const { ctx, pinText } = await bumpAndReadPin(fake, {
    out,
    repository: 'acme/storage',
    storageTeam: '@acme/storage-team',
  });
  expect(ctx.outputs['pin-bump-result']).toBe('created');

  const distribParent = mkdtempSync(join(tmpdir(), 'pgb-e2e-distrib-'));
  chmodSync(distribParent, 0o755);
  const distrib = join(distribParent, 'pg_install');
  await fetchFromPin(fake, pinText, distrib);
  expect(existsSync(join(distrib, `v${version}`, 'bin', 'initdb'))).toBe(true);

  const work = mkdtempSync(join(tmpdir(), 'pgb-e2e-fetched-initdb-'));
  chownSync(work, 65534, 65534);
  const r = spawnSync(
    'setpriv',
    [
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      'env',
      '-i',
      ...initdbArgv(join(distrib, `v${version}`, 'bin', 'initdb'), version, join(work, 'data')),
    ],
    { encoding: 'utf8' },
  );
  expect(`${r.stdout}${r.stderr}`).toContain('performing post-bootstrap initialization ... ok');
  expect(r.status).toBe(0);
  fake.assertNoViolations();
});
