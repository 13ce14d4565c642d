/**
 * rebuild-check on a release (--repository and --tag): fetch's own download, checks and unpacking,
 * with the pin pin-bump would write for the release (sha256 from its SHA256SUMS), against FakeGitHub
 * with the real Octokit. The rebuild itself is tested end to end (test/e2e/rebuild-check.test.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retryPolicy } from '../../../src/github/retry';
import { publishCommand } from '../../../src/publish/command';
import { fetchRelease } from '../../../src/fetch/fetch';
import { rebuildCheckCommand } from '../../../src/rebuild-check/command';
import { FakeGitHub } from '../../fake-github';
import { makeArtifactDir, tempDir, testContext } from '../publish/helpers';

const REPO = 'acme/compute';
const TAG = 'bundle-15.4-abc1234';
const TARBALL = `pg-bundle-${TAG}-linux-x86_64.tar.zst`;

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await FakeGitHub.start();
});
afterAll(() => gh.stop());
beforeEach(() => gh.seedRepo({ repo: REPO }));
afterEach(() => gh.assertNoViolations());

/** A small bundle and the assets publish prepares for it (dry run: nothing sent). */
async function preparedAssets(): Promise<{ out: string; assets: Record<string, Buffer> }> {
  const out = tempDir();
  makeArtifactDir(out, [15]);
  expect(await publishCommand({ out, tag: TAG, dryRun: true }, testContext())).toBe(0);
  const names = [TARBALL, 'manifest.json', 'SHA256SUMS', 'sbom.cdx.json'];
  return { out, assets: Object.fromEntries(names.map((n) => [n, readFileSync(join(out, 'publish', n))])) };
}

/** `anonymous`: no token (public repositories only). */
function fetchOptions(tag = TAG, anonymous = false) {
  return {
    repository: REPO,
    tag,
    outDir: join(tempDir('pgb-release-'), 'bundle'),
    token: anonymous ? undefined : gh.token,
    apiUrl: gh.baseUrl,
    log: testContext().log,
    retry: retryPolicy({ PG_BUNDLE_RETRY_BASE_MS: '0' }),
  };
}

test('a published release is found by its tag, checked against its SHA256SUMS and unpacked, with or without a token', async () => {
  const out = tempDir();
  makeArtifactDir(out, [15]);
  const common = { out, tag: TAG, repository: REPO, token: gh.token, apiUrl: gh.baseUrl };
  expect(await publishCommand(common, testContext())).toBe(0);
  for (const anonymous of [false, true]) {
    const options = fetchOptions(TAG, anonymous);
    const result = await fetchRelease(options);
    expect(result.tag).toBe(TAG);
    expect(result.versions).toEqual(['15']);
    expect(readFileSync(join(options.outDir, 'v15/bin/postgres'))).toEqual(
      readFileSync(join(out, 'v15/bin/postgres')),
    );
    expect(existsSync(join(options.outDir, 'manifest.json'))).toBe(true);
  }
});

test('a private release needs a token that can read it: without one, GitHub answers 404 (it hides the repository)', async () => {
  gh.seedRepo({ repo: REPO, private: true });
  const { assets } = await preparedAssets();
  gh.seedRelease(REPO, { tag: TAG, assets });
  const anonymous = fetchOptions(TAG, true);
  const calls = gh.callsTo('repos/get-release-by-tag').length;
  await expect(fetchRelease(anonymous)).rejects.toThrow(
    `${REPO} or the requested object was not found while reading release ${TAG} (404 Not Found): it does not exist, or it is private and no token was sent\n` +
      `  fix: check --repository and --tag; for a private repository pass a token with "contents: read" on ${REPO} (--token or GITHUB_TOKEN)`,
  );
  expect(
    gh
      .callsTo('repos/get-release-by-tag')
      .slice(calls)
      .map((c) => c.status),
  ).toEqual([404]);
  expect(existsSync(anonymous.outDir)).toBe(false);
  expect(anonymous.log.lines.join('\n')).toContain(
    `reading release ${TAG} of ${REPO} without a token: a private repository needs --token or GITHUB_TOKEN`,
  );
  await expect(fetchRelease(fetchOptions(TAG))).resolves.toMatchObject({ tag: TAG });
});

test('a release that does not exist (or is still a draft) is named', async () => {
  const { assets } = await preparedAssets();
  gh.seedRelease(REPO, { tag: TAG, draft: true, assets });
  for (const tag of ['bundle-does-not-exist', TAG])
    await expect(fetchRelease(fetchOptions(tag))).rejects.toThrow(
      new RegExp(`^${REPO} or the requested object was not found while reading release ${tag} \\(404`),
    );
});

test('a release without the bundle asset, SHA256SUMS or manifest.json is refused, nothing unpacked', async () => {
  const { assets } = await preparedAssets();
  for (const missing of [TARBALL, 'SHA256SUMS', 'manifest.json']) {
    gh.seedRepo({ repo: REPO });
    const rest = Object.fromEntries(Object.entries(assets).filter(([name]) => name !== missing));
    gh.seedRelease(REPO, { tag: TAG, assets: rest });
    const options = fetchOptions();
    await expect(fetchRelease(options)).rejects.toThrow(`release ${TAG} in ${REPO} has no asset ${missing}`);
    expect(existsSync(options.outDir)).toBe(false);
  }
});

test('a bundle or manifest whose sha256 is not the one SHA256SUMS lists is refused, nothing unpacked', async () => {
  const { assets } = await preparedAssets();
  const sums = assets.SHA256SUMS.toString('utf8');
  for (const name of [TARBALL, 'manifest.json']) {
    gh.seedRepo({ repo: REPO });
    const wrong = sums.replace(
      new RegExp(`^[0-9a-f]{64}(  ${name.replace(/\./g, '\\.')})$`, 'm'),
      `${'0'.repeat(64)}$1`,
    );
    expect(wrong).not.toBe(sums);
    gh.seedRelease(REPO, { tag: TAG, assets: { ...assets, SHA256SUMS: wrong } });
    const options = fetchOptions();
    const what = name === TARBALL ? 'bundle' : `manifest.json of release ${TAG}`;
    await expect(fetchRelease(options)).rejects.toThrow(
      new RegExp(
        `^the downloaded ${what} has sha256 [0-9a-f]{64}, SHA256SUMS of release ${TAG} in ${REPO} lists 0{64} \\(`,
      ),
    );
    expect(existsSync(options.outDir)).toBe(false);
  }
  gh.seedRepo({ repo: REPO });
  gh.seedRelease(REPO, { tag: TAG, assets: { ...assets, SHA256SUMS: '' } });
  await expect(fetchRelease(fetchOptions())).rejects.toThrow(
    `SHA256SUMS of release ${TAG} in ${REPO} lists no sha256 for manifest.json`,
  );
});

describe('rebuild-check --repository --tag', () => {
  const fetchedDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('pg-bundle-rebuild-fetched-'));

  test("a missing release fails with fetch's error and leaves no temporary directory", async () => {
    const before = fetchedDirs();
    await expect(
      rebuildCheckCommand(
        { repository: REPO, tag: 'bundle-nope', token: gh.token, apiUrl: gh.baseUrl },
        testContext(),
      ),
    ).rejects.toThrow(`not found while reading release bundle-nope`);
    expect(fetchedDirs()).toEqual(before);
  });

  test('a private release without a token fails with the 404 that names the missing token', async () => {
    gh.seedRepo({ repo: REPO, private: true });
    const { assets } = await preparedAssets();
    gh.seedRelease(REPO, { tag: TAG, assets });
    const before = fetchedDirs();
    const saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN; // no token at all
    try {
      await expect(
        rebuildCheckCommand({ repository: REPO, tag: TAG, apiUrl: gh.baseUrl }, testContext()),
      ).rejects.toThrow(
        new RegExp(
          `not found while reading release ${TAG} \\(404 Not Found\\): it does not exist, or it is private and no token was sent`,
        ),
      );
    } finally {
      if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
    }
    expect(fetchedDirs()).toEqual(before);
  });

  test.each([
    [{ tag: TAG }, [], 'got only --tag'],
    [{ repository: REPO }, [], 'got only --repository'],
    [{ repository: REPO, tag: TAG }, ['out'], `both a release (--repository ${REPO} --tag ${TAG}) and out`],
  ])('%j %j is refused: %s', async (options, args, message) => {
    await expect(rebuildCheckCommand(options, testContext(args))).rejects.toThrow(message);
  });
});
