/**
 * compare's <old> and <new> as a pin file or a release (owner/name@tag): fetched through fetch's
 * checked path into a temporary directory, against FakeGitHub with the real Octokit. Small
 * synthetic bundles; compare itself is not run here.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readInput } from '../../../src/compare/input';
import { retryPolicy } from '../../../src/github/retry';
import { publishCommand } from '../../../src/publish/command';
import { MemoryLogger } from '../../support/memory-logger';
import { FakeGitHub } from '../../fake-github';
import { bumpAndReadPin, makeArtifactDir, tempDir, testContext } from '../publish/helpers';
import { primaryBundle } from '../../../src/pin/pinned';
import { parsePin } from '../../../src/pin/read';

const RELEASES = 'acme/compute';
const CONSUMER = 'acme/pageserver';
const TAG = 'bundle-15.4-compare1';

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await FakeGitHub.start();
});
afterAll(() => gh.stop());
afterEach(() => gh.assertNoViolations());

const access = () => ({
  token: gh.token,
  apiUrl: gh.baseUrl,
  log: new MemoryLogger(),
  retry: retryPolicy({ PG_BUNDLE_RETRY_BASE_MS: '0' }),
});
const fetchedDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('pg-bundle-compare-fetched-'));

/** Publishes a small bundle as TAG and returns the pin file pin-bump writes for it. */
async function publishedPin(): Promise<{ out: string; pinPath: string; pinText: string }> {
  gh.seedRepo({ repo: RELEASES });
  gh.seedRepo({ repo: CONSUMER, files: { CODEOWNERS: '* @acme/storage\n' } });
  const out = tempDir();
  makeArtifactDir(out, [15]);
  const publish = { out, tag: TAG, repository: RELEASES, token: gh.token, apiUrl: gh.baseUrl };
  expect(await publishCommand(publish, testContext())).toBe(0);
  const { pinText } = await bumpAndReadPin(gh, { out, repository: CONSUMER, storageTeam: '@acme/storage' });
  const pinPath = join(mkdtempSync(join(tmpdir(), 'pgb-compare-pin-')), 'postgres-bundle.json');
  writeFileSync(pinPath, pinText);
  return { out, pinPath, pinText };
}

test('a release (owner/name@tag) and a pin file are fetched, checked and removed again by cleanup', async () => {
  const { out, pinPath } = await publishedPin();
  const before = fetchedDirs();
  for (const [arg, label] of [
    [`${RELEASES}@${TAG}`, `${RELEASES}@${TAG}`],
    [pinPath, `${pinPath} (${TAG})`],
  ]) {
    const input = await readInput(arg, 'old', access());
    expect(input).toMatchObject({ label, majors: [15] });
    expect(readFileSync(join(input.dir, 'v15/bin/postgres'))).toEqual(
      readFileSync(join(out, 'v15/bin/postgres')),
    );
    expect(input.manifest?.versions['15']).toBeDefined();
    input.cleanup?.();
    expect(existsSync(input.dir)).toBe(false);
  }
  expect(fetchedDirs()).toEqual(before);
});

test('a pin whose release is gone: one line naming the side, the release and the fix; nothing left behind', async () => {
  const { pinText } = await publishedPin();
  const gone = pinText.replaceAll(TAG, 'bundle-15.4-deleted');
  const pinPath = join(mkdtempSync(join(tmpdir(), 'pgb-compare-pin-')), 'postgres-bundle.json');
  writeFileSync(pinPath, gone);
  const before = fetchedDirs();
  const err = (await readInput(pinPath, 'old', access()).catch((e: Error) => e)) as Error;
  const [line, fix, ...rest] = err.message.split('\n');
  expect(line).toMatch(
    new RegExp(
      `^old bundle ${pinPath}: ${RELEASES} or the requested object was not found while reading release bundle-15.4-deleted \\(404`,
    ),
  );
  expect(fix).toMatch(/^ {2}fix: check the pin file's assetUrl/);
  expect(rest).toEqual([]);
  expect(fetchedDirs()).toEqual(before);
  const release = await readInput(`${RELEASES}@bundle-nope`, 'new', access()).catch((e: Error) => e);
  expect((release as Error).message).toMatch(
    new RegExp(
      `^new bundle ${RELEASES}@bundle-nope: ${RELEASES} or the requested object was not found while reading release bundle-nope`,
    ),
  );
});

test("a corrupt old bundle is refused by fetch's checks (sha256 against the pin), nothing unpacked", async () => {
  const { pinPath, pinText } = await publishedPin();
  const pin = primaryBundle(parsePin(pinText, 'the pin'));
  const asset = [...gh.repo(RELEASES).assets.values()].find((a) => a.name === pin.assetName);
  if (!asset) throw new Error(`no asset ${pin.assetName}`);
  asset.data = Buffer.concat([asset.data.subarray(0, 64), Buffer.from('corrupt'), asset.data.subarray(71)]);
  const before = fetchedDirs();
  const err = (await readInput(pinPath, 'old', access()).catch((e: Error) => e)) as Error;
  expect(err.message.split('\n')[0]).toMatch(
    new RegExp(
      `^old bundle ${pinPath}: the downloaded bundle has sha256 [0-9a-f]{64}, the pin requires ${pin.sha256} \\(`,
    ),
  );
  expect(err.message.split('\n')).toHaveLength(2); // the line and fetch's fix
  expect(fetchedDirs()).toEqual(before);
});

test('owner/name@tag that is a path on disk is read as the path', async () => {
  const dir = tempDir();
  makeArtifactDir(join(dir, 'a', 'b@c'), [15]);
  const cwd = process.cwd();
  process.chdir(join(dir));
  try {
    const input = await readInput('a/b@c', 'new', access());
    expect(input).toMatchObject({ label: 'a/b@c', majors: [15] });
    expect(input.cleanup).toBeUndefined();
  } finally {
    process.chdir(cwd);
  }
});
