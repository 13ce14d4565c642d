/**
 * The chain the consumer relies on, against FakeGitHub (a FAKE of GitHub's REST API): publish a
 * (synthetic) bundle, pin-bump reads what publish recorded (<out>/publish/release.json) and opens
 * the PR, and fetch accepts the pin file from that PR.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PIN_PATH as PIN } from '../../../src/core/options';
import { primaryBundle } from '../../../src/pin/pinned';
import { parsePin } from '../../../src/pin/read';
import { publishCommand } from '../../../src/publish/command';
import { FakeGitHub } from '../../fake-github';
import { bumpAndReadPin, fetchFromPin, makeArtifactDir, tempDir, testContext } from '../publish/helpers';
import { versionsOf } from '../../support/pins';

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await FakeGitHub.start();
});
afterEach(async () => {
  await fake.stop();
});

test('publish → pin-bump → fetch', async () => {
  fake.seedRepo({ repo: 'acme/bundles' });
  fake.seedRepo({
    repo: 'acme/pageserver',
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
    knownOwners: ['@acme/storage'],
  });
  const out = tempDir('pgb-pin-chain-');
  makeArtifactDir(out, [15]);
  const common = { out, token: fake.token, apiUrl: fake.baseUrl };

  expect(
    await publishCommand(
      { ...common, repository: 'acme/bundles', tag: 'bundle-20250101-chain01' },
      testContext(),
    ),
  ).toBe(0);

  const { ctx, pinText } = await bumpAndReadPin(fake, {
    out,
    repository: 'acme/pageserver',
    storageTeam: '@acme/storage',
  });
  expect(ctx.outputs['pin-bump-result']).toBe('created');

  const pin = parsePin(pinText, 'pin on the bump branch');
  expect(pin).toMatchObject({ schemaVersion: 2, tag: 'bundle-20250101-chain01' });
  expect(primaryBundle(pin)).toMatchObject({
    platform: 'linux-x86_64',
    assetName: 'pg-bundle-bundle-20250101-chain01-linux-x86_64.tar.zst',
  });
  expect(primaryBundle(pin).assetUrl).toBe(
    `${fake.baseUrl}/_web/acme/bundles/releases/download/bundle-20250101-chain01/pg-bundle-bundle-20250101-chain01-linux-x86_64.tar.zst`,
  );
  expect(versionsOf(pin)['15']).toMatchObject({
    postgresVersion: '15.4',
    icuVersion: '72.1',
    collation: { datcollate: 'C.UTF-8', datctype: null, provider: 'libc' },
  });

  const distrib = tempDir('pgb-pin-distrib-');
  await fetchFromPin(fake, pinText, distrib);
  expect(existsSync(join(distrib, 'v15', 'bin', 'postgres'))).toBe(true);
});

test('pin-bump never moves a pin to an older release without --allow-older (a re-run of an old job)', async () => {
  fake.seedRepo({ repo: 'acme/bundles' });
  fake.seedRepo({
    repo: 'acme/pageserver',
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
    knownOwners: ['@acme/storage'],
  });
  const publishTo = async (tag: string, salt: string) => {
    const out = tempDir('pgb-pin-order-');
    makeArtifactDir(out, [15], salt);
    const common = { out, token: fake.token, apiUrl: fake.baseUrl, repository: 'acme/bundles', tag };
    expect(await publishCommand(common, testContext())).toBe(0);
    return out;
  };
  const older = await publishTo('bundle-old', 'a');
  const newer = await publishTo('bundle-new', 'b');
  const input = { repository: 'acme/pageserver', storageTeam: '@acme/storage' };

  const first = await bumpAndReadPin(fake, { ...input, out: newer });
  expect(parsePin(first.pinText, 'pin').releasedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  // the open PR proposes bundle-new; the old job's bump must not replace it
  await expect(bumpAndReadPin(fake, { ...input, out: older })).rejects.toThrow(
    /bundle-old .* is older than bundle-new .*open pull request #1[\s\S]*--allow-older/,
  );
  expect(parsePin(fake.readFile('acme/pageserver', 'pg-bundle/bump', PIN) as string, 'pin').tag).toBe(
    'bundle-new',
  );
  // the same against the default branch, after the PR is merged
  fake.commitFiles('acme/pageserver', 'main', { [PIN]: first.pinText }, 'merge the bump');
  await expect(bumpAndReadPin(fake, { ...input, out: older })).rejects.toThrow(
    /is older than bundle-new .*on main/,
  );
  const allowed = await bumpAndReadPin(fake, { ...input, out: older, allowOlder: true });
  expect(parsePin(allowed.pinText, 'pin').tag).toBe('bundle-old');
});
