import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  parseReleaseRecord,
  readReleaseRecord,
  ReleaseRecord,
  writeReleaseRecord,
} from '../../../src/release/record';

const SHA = '0123456789abcdef'.repeat(4);
const ARM_SHA = 'ef'.repeat(32);
const FIX = '\n  fix: run pg-bundle publish again with the same --out';

const x86 = {
  platform: 'linux-x86_64',
  assetName: 'pg-bundle-t-linux-x86_64.tar.zst',
  sha256: SHA,
  manifestName: 'manifest-linux-x86_64.json',
};
const arm = {
  platform: 'linux-aarch64',
  assetName: 'pg-bundle-t-linux-aarch64.tar.zst',
  sha256: ARM_SHA,
  manifestName: 'manifest-linux-aarch64.json',
};
const record: ReleaseRecord = {
  tag: 't',
  repository: 'acme/rel',
  assetName: x86.assetName,
  sha256: SHA,
  platforms: [x86, arm],
  assets: [{ name: x86.assetName, sha256: SHA, size: 10 }],
  dryRun: false,
  state: 'created',
  releaseUrl: 'https://github.com/acme/rel/releases/tag/t',
  releasedAt: '2025-03-01T12:00:00Z',
};
const text = (value: unknown) => JSON.stringify(value);

test('the writer and the reader agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-release-record-'));
  writeReleaseRecord(dir, record);
  expect(readReleaseRecord(join(dir, 'release.json'))).toEqual(record);
});

test.each<[string, Partial<ReleaseRecord>, string]>([
  ['a dry run without repository', { repository: null, dryRun: true, state: undefined }, 'linux-x86_64'],
  ['without the optional URLs and state', { state: undefined, releaseUrl: undefined }, 'linux-x86_64'],
])('reads %s', (_what, change, first) => {
  const value = { ...record, ...change };
  expect(parseReleaseRecord(text(value), 'release.json').platforms[0].platform).toBe(first);
});

test('a record made before releases had several platforms reads as one of the given platform', () => {
  const legacy: Partial<ReleaseRecord> = { ...record };
  delete legacy.platforms;
  const withUrls = { ...legacy, assetUrl: 'https://a', manifestUrl: 'https://m' };
  expect(parseReleaseRecord(text(withUrls), 'release.json', 'linux-aarch64').platforms).toEqual([
    {
      platform: 'linux-aarch64',
      assetName: x86.assetName,
      sha256: SHA,
      manifestName: 'manifest.json',
      assetUrl: 'https://a',
      manifestUrl: 'https://m',
    },
  ]);
  expect(parseReleaseRecord(text(legacy), 'release.json').platforms[0].platform).toBe('linux-x86_64');
});

test.each<[string, string, string]>([
  ['not JSON', '{', 'r.json is not valid JSON: '],
  ['no tag', text({ ...record, tag: undefined }), 'r.json lacks the tag, asset name or sha256'],
  ['an empty asset name', text({ ...record, assetName: '' }), 'r.json lacks the tag, asset name or sha256'],
  [
    'a sha256 not of 64 hex digits',
    text({ ...record, sha256: 'x' }),
    'r.json lacks the tag, asset name or sha256',
  ],
  [
    'a platform with a bad sha256',
    text({ ...record, platforms: [{ ...arm, sha256: 'x' }] }),
    'r.json lists a platform without its name, asset name, sha256 or manifest name',
  ],
  [
    'a platform without a manifest name',
    text({ ...record, platforms: [{ ...arm, manifestName: undefined }] }),
    'r.json lists a platform without its name, asset name, sha256 or manifest name',
  ],
  [
    'a platform with an unknown field',
    text({ ...record, platforms: [{ ...arm, colour: 'blue' }] }),
    'r.json is not a release record of pg-bundle publish: /platforms/0 must NOT have additional properties (colour)',
  ],
  [
    'a dry-run flag of another type',
    text({ ...record, dryRun: 'no' }),
    'r.json is not a release record of pg-bundle publish: /dryRun must be boolean',
  ],
  [
    'an unknown field',
    text({ ...record, extra: 1 }),
    'r.json is not a release record of pg-bundle publish: (top level) must NOT have additional properties (extra)',
  ],
  [
    'an unknown state',
    text({ ...record, state: 'gone' }),
    'r.json is not a release record of pg-bundle publish: /state must be equal to one of the allowed values',
  ],
  ['not an object', '[]', 'r.json is not a release record of pg-bundle publish: (top level) must be object'],
])('refuses %s in one line, naming the file and the fix', (_what, input, message) => {
  let error: Error | undefined;
  try {
    parseReleaseRecord(input, 'r.json');
  } catch (err) {
    error = err as Error;
  }
  expect(error?.message.startsWith(message)).toBe(true);
  expect(error?.message.split('\n')).toHaveLength(2);
  expect(error?.message.endsWith(FIX)).toBe(true);
});
