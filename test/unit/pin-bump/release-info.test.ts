import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serverUrlFromApiUrl } from '../../../src/github/access';
import { releaseUrls } from '../../../src/github/repository';
import {
  readReleaseManifest,
  readReleaseManifests,
  readReleaseInfo,
  releaseInfoFromRecord,
} from '../../../src/pin-bump/release-info';
import { bundleAssetName } from '../../../src/release/naming';
import { parseReleaseRecord, ReleaseRecord } from '../../../src/release/record';

const SHA = '0123456789abcdef'.repeat(4);

test('release URLs follow GitHub release download paths', () => {
  expect(releaseUrls('https://github.com/', 'acme/rel', 'bundle-1', bundleAssetName('bundle-1'))).toEqual({
    releaseUrl: 'https://github.com/acme/rel/releases/tag/bundle-1',
    assetUrl:
      'https://github.com/acme/rel/releases/download/bundle-1/pg-bundle-bundle-1-linux-x86_64.tar.zst',
    manifestUrl: 'https://github.com/acme/rel/releases/download/bundle-1/manifest.json',
  });
});

test.each([
  ['https://api.github.com', 'https://github.com'],
  ['https://api.github.com/', 'https://github.com'],
  ['https://ghe.example.com/api/v3', 'https://ghe.example.com'],
])('serverUrlFromApiUrl(%s)', (api, server) => expect(serverUrlFromApiUrl(api)).toBe(server));

describe('reading what publish wrote', () => {
  const out = mkdtempSync(join(tmpdir(), 'pgb-pin-release-'));
  mkdirSync(join(out, 'publish'));

  test('missing manifest, missing SHA256SUMS and missing tag are explained', () => {
    expect(() => readReleaseManifest(out)).toThrow(
      /no manifest found .*fix: run pg-bundle build, verify and publish/s,
    );
    expect(() =>
      readReleaseInfo({ out, releaseRepository: 'acme/rel', serverUrl: 'https://github.com' }),
    ).toThrow(/needs the release tag/);
    expect(() => readReleaseInfo({ out, tag: 't', serverUrl: 'https://github.com' })).toThrow(
      /which repository holds the release/,
    );
    expect(() =>
      readReleaseInfo({ out, tag: 't', releaseRepository: 'acme/rel', serverUrl: 'https://github.com' }),
    ).toThrow(/SHA256SUMS is missing/);
  });

  test('release info comes from --tag and SHA256SUMS; the manifest from publish/', () => {
    writeFileSync(join(out, 'publish', 'SHA256SUMS'), `${SHA}  pg-bundle-t-linux-x86_64.tar.zst\n`);
    writeFileSync(
      join(out, 'publish', 'manifest.json'),
      JSON.stringify({
        schemaVersion: 1,
        tool: { name: 'pg-bundle', version: '0' },
        platform: 'linux-x86_64',
        versions: {},
      }),
    );
    expect(
      readReleaseInfo({ out, tag: 't', releaseRepository: 'acme/rel', serverUrl: 'https://github.com' }),
    ).toMatchObject({
      tag: 't',
      assets: { 'linux-x86_64': { sha256: SHA, assetName: 'pg-bundle-t-linux-x86_64.tar.zst' } },
      repository: 'acme/rel',
    });
    expect(() =>
      readReleaseInfo({ out, tag: 'other', releaseRepository: 'acme/rel', serverUrl: 'https://github.com' }),
    ).toThrow(/has no sha256 for pg-bundle-other-linux-x86_64.tar.zst/);
    expect(readReleaseManifest(out).path).toBe(join(out, 'publish', 'manifest.json'));
  });

  test("a release of two platforms: each platform's manifest from publish/, its sha256 from SHA256SUMS", () => {
    const manifestOf = (platform: string) =>
      JSON.stringify({ schemaVersion: 1, tool: { name: 'pg-bundle', version: '0' }, platform, versions: {} });
    writeFileSync(join(out, 'publish', 'manifest-linux-aarch64.json'), manifestOf('linux-aarch64'));
    writeFileSync(join(out, 'publish', 'manifest-linux-x86_64.json'), manifestOf('linux-x86_64'));
    const other = 'ef'.repeat(32);
    writeFileSync(
      join(out, 'publish', 'SHA256SUMS'),
      `${SHA}  pg-bundle-t-linux-x86_64.tar.zst\n${other}  pg-bundle-t-linux-aarch64.tar.zst\n`,
    );
    const { manifests, paths } = readReleaseManifests(out);
    expect(manifests.map((m) => m.platform)).toEqual(['linux-x86_64', 'linux-aarch64']);
    expect(paths).toEqual([
      join(out, 'publish', 'manifest-linux-x86_64.json'),
      join(out, 'publish', 'manifest-linux-aarch64.json'),
    ]);
    const info = readReleaseInfo({
      out,
      tag: 't',
      releaseRepository: 'acme/rel',
      serverUrl: 'https://github.com',
      platforms: ['linux-x86_64', 'linux-aarch64'],
    });
    expect(info.assets['linux-aarch64']).toEqual({
      assetName: 'pg-bundle-t-linux-aarch64.tar.zst',
      sha256: other,
      assetUrl: 'https://github.com/acme/rel/releases/download/t/pg-bundle-t-linux-aarch64.tar.zst',
      manifestUrl: 'https://github.com/acme/rel/releases/download/t/manifest-linux-aarch64.json',
    });
    expect(info.assets['linux-x86_64'].sha256).toBe(SHA);
  });

  test("a platform manifest under another platform's name is refused", () => {
    writeFileSync(
      join(out, 'publish', 'manifest-linux-aarch64.json'),
      JSON.stringify({
        schemaVersion: 1,
        tool: { name: 'pg-bundle', version: '0' },
        platform: 'linux-x86_64',
        versions: {},
      }),
    );
    expect(() => readReleaseManifests(out)).toThrow(
      /manifest-linux-aarch64.json describes a linux-x86_64 bundle/,
    );
  });
});

describe("publish's release.json", () => {
  const input = { out: '/unused', serverUrl: 'https://github.com', releaseRepository: 'fallback/repo' };
  const record: ReleaseRecord = {
    tag: 'bundle-20250301-a1b2c3d',
    repository: 'acme/rel',
    assetName: 'pg-bundle-bundle-20250301-a1b2c3d-linux-x86_64.tar.zst',
    sha256: SHA,
    platforms: [],
    assets: [],
    dryRun: false,
    releaseUrl: 'https://github.com/acme/rel/releases/tag/bundle-20250301-a1b2c3d',
    assetUrl:
      'https://github.com/acme/rel/releases/download/bundle-20250301-a1b2c3d/pg-bundle-bundle-20250301-a1b2c3d-linux-x86_64.tar.zst',
    manifestUrl: 'https://github.com/acme/rel/releases/download/bundle-20250301-a1b2c3d/manifest.json',
  };
  /** a record of one platform, as publish wrote it before releases had several */
  const legacy: Partial<ReleaseRecord> = { ...record };
  delete legacy.platforms;

  test('is preferred, and its URLs are used as GitHub returned them', () => {
    const out = mkdtempSync(join(tmpdir(), 'pgb-pin-record-'));
    mkdirSync(join(out, 'publish'));
    writeFileSync(join(out, 'publish', 'release.json'), JSON.stringify(legacy));
    expect(readReleaseInfo({ ...input, out })).toEqual({
      repository: 'acme/rel',
      tag: record.tag,
      releaseUrl: record.releaseUrl,
      assets: {
        'linux-x86_64': {
          assetName: record.assetName,
          sha256: SHA,
          assetUrl: record.assetUrl,
          manifestUrl: record.manifestUrl,
        },
      },
    });
  });

  test('a malformed release.json is refused in one line naming the file and the fix', () => {
    const out = mkdtempSync(join(tmpdir(), 'pgb-pin-record-'));
    mkdirSync(join(out, 'publish'));
    const path = join(out, 'publish', 'release.json');
    writeFileSync(path, JSON.stringify({ ...record, dryRun: 'no' }));
    expect(() => readReleaseInfo({ ...input, out })).toThrow(
      `${path} is not a release record of pg-bundle publish: /dryRun must be boolean\n  fix: run pg-bundle publish again with the same --out`,
    );
  });

  test("a record of several platforms gives each platform's asset", () => {
    const arm = {
      platform: 'linux-aarch64',
      assetName: 'pg-bundle-bundle-20250301-a1b2c3d-linux-aarch64.tar.zst',
      sha256: 'ef'.repeat(32),
      manifestName: 'manifest-linux-aarch64.json',
    };
    const x86 = {
      platform: 'linux-x86_64',
      assetName: record.assetName,
      sha256: SHA,
      manifestName: 'manifest-linux-x86_64.json',
    };
    const info = releaseInfoFromRecord({ ...record, platforms: [x86, arm] }, 'release.json', input);
    expect(Object.keys(info.assets)).toEqual(['linux-x86_64', 'linux-aarch64']);
    expect(info.assets['linux-aarch64']).toEqual({
      assetName: arm.assetName,
      sha256: arm.sha256,
      assetUrl: `https://github.com/acme/rel/releases/download/${record.tag}/${arm.assetName}`,
      manifestUrl: `https://github.com/acme/rel/releases/download/${record.tag}/manifest-linux-aarch64.json`,
    });
  });

  test('a --tag that differs from what publish made is refused', () => {
    expect(() => releaseInfoFromRecord(record, 'release.json', { ...input, tag: 'other' })).toThrow(
      /--tag other differs from the release publish made \(bundle-20250301-a1b2c3d/,
    );
  });

  test('a dry-run publish can only be pinned by a dry-run bump; URLs are then computed', () => {
    const dry = parseReleaseRecord(
      JSON.stringify({
        tag: record.tag,
        repository: null,
        assetName: record.assetName,
        sha256: SHA,
        assets: [],
        dryRun: true,
      }),
      'release.json',
    );
    expect(() => releaseInfoFromRecord(dry, 'release.json', input)).toThrow(/publish ran as a dry run/);
    expect(releaseInfoFromRecord(dry, 'release.json', { ...input, dryRun: true })).toMatchObject({
      repository: 'fallback/repo',
      assets: {
        'linux-x86_64': {
          assetUrl: `https://github.com/fallback/repo/releases/download/${record.tag}/${record.assetName}`,
        },
      },
    });
  });
});
