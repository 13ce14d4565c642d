import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  normaliseProvider,
  parsePin,
  pinFromManifest,
  pinPathProblem,
  pinProblems,
  serialisePin,
  unmeasuredFacts,
} from '../../../src/pin-bump/pin-file';
import { fixtureManifest, pinOf, releaseFor } from './helpers';

describe('pinFromManifest', () => {
  test('takes release facts and per-version facts from the manifest', () => {
    const pin = pinOf('manifest-icu67.json', 'bundle-20250101-3f1a2c0');
    expect(pin).toEqual({
      schemaVersion: 1,
      tag: 'bundle-20250101-3f1a2c0',
      platform: 'linux-x86_64',
      releaseUrl: 'https://github.com/acme/pg-bundle-releases/releases/tag/bundle-20250101-3f1a2c0',
      assetName: 'pg-bundle-bundle-20250101-3f1a2c0-linux-x86_64.tar.zst',
      assetUrl:
        'https://github.com/acme/pg-bundle-releases/releases/download/bundle-20250101-3f1a2c0/pg-bundle-bundle-20250101-3f1a2c0-linux-x86_64.tar.zst',
      sha256: 'ab'.repeat(32),
      manifestUrl:
        'https://github.com/acme/pg-bundle-releases/releases/download/bundle-20250101-3f1a2c0/manifest.json',
      versions: {
        '15': {
          postgresVersion: '15.17',
          sourceRevision: '3f1a2c0d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49',
          catalogVersion: 202209061,
          icuVersion: '67.1',
          libcVersion: '2.36',
          collation: {
            datcollate: 'C.UTF-8',
            datctype: 'C.UTF-8',
            provider: 'libc',
            icuCollationVersion: '153.14',
            libcCollationVersion: '2.36',
          },
          bundleSize: 31000000 + 2100000 + 900000 + 1200,
          // a manifest of before walredo.modules and rmgrs were recorded
          walredo: { mode: 'builtin', modules: [], rmgrs: null },
        },
        '16': expect.objectContaining({ postgresVersion: '16.9', catalogVersion: 202307071 }),
      },
    });
    expect(pinProblems(pin)).toEqual([]);
    expect(unmeasuredFacts(pin)).toEqual([]);
  });

  test('without conformance facts the collation is null and reported as not measured', () => {
    const manifest = fixtureManifest('manifest-icu67.json');
    delete manifest.versions['16'].conformance;
    const pin = pinFromManifest(manifest, releaseFor('t1'));
    expect(pin.versions['16'].collation).toEqual({
      datcollate: null,
      datctype: null,
      provider: null,
      icuCollationVersion: null,
      libcCollationVersion: null,
    });
    expect(pin.versions['16'].icuVersion).toBe('67.1'); // from the build facts
    expect(pin.versions['16'].catalogVersion).toBe(202307071);
    expect(unmeasuredFacts(pin)).toEqual([
      'v16: datcollate',
      'v16: datctype',
      'v16: provider',
      'v16: icuCollationVersion',
      'v16: libcCollationVersion',
    ]);
    expect(pinProblems(pin)).toEqual([]);
  });

  test('a manifest without versions is refused', () => {
    const manifest = { ...fixtureManifest('manifest-icu67.json'), versions: {} };
    expect(() => pinFromManifest(manifest, releaseFor('t1'))).toThrow(/lists no PostgreSQL version/);
  });
});

describe('provider names', () => {
  test.each([
    ['c', 'libc'],
    ['libc', 'libc'],
    ['i', 'icu'],
    ['ICU', 'icu'],
    ['b', 'builtin'],
    ['x', null],
    [undefined, null],
  ])('%s → %s', (input, expected) => expect(normaliseProvider(input)).toBe(expected));
});

describe('schema validation', () => {
  const good = () => pinOf('manifest-icu67.json', 'bundle-1');
  test.each<[string, (p: Record<string, unknown>) => void, RegExp]>([
    ['bad sha256', (p) => (p.sha256 = 'XYZ'), /\/sha256 must match pattern/],
    ['unknown top-level field', (p) => (p.extra = 1), /additional properties \(extra\)/],
    ['missing tag', (p) => delete p.tag, /must have required property 'tag'/],
    ['asset URL not a URI', (p) => (p.assetUrl = 'not a url'), /\/assetUrl must match format "uri"/],
    [
      'version key not a major',
      (p) => ((p.versions as Record<string, unknown>)['v15'] = (p.versions as Record<string, unknown>)['15']),
      /property name must be valid|must match pattern/,
    ],
    [
      'unknown provider',
      (p) =>
        ((p.versions as Record<string, { collation: Record<string, unknown> }>)['15'].collation.provider =
          'glibc'),
      /must be equal to one of the allowed values/,
    ],
    ['newer schema version', (p) => (p.schemaVersion = 2), /must be equal to constant/],
  ])('%s is rejected', (_name, mutate, message) => {
    const pin = good() as unknown as Record<string, unknown>;
    mutate(pin);
    expect(pinProblems(pin).join('\n')).toMatch(message);
    expect(() => parsePin(JSON.stringify(pin), 'pageserver/postgres-bundle.json')).toThrow(
      /does not follow the pin file schema/,
    );
  });

  test('serialisePin writes 2-space JSON with a final newline and round-trips', () => {
    const pin = good();
    const text = serialisePin(pin);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schemaVersion": 1,');
    expect(parsePin(text, 'x')).toEqual(pin);
  });

  test('serialisePin refuses an invalid pin', () => {
    expect(() => serialisePin({ ...good(), sha256: 'nope' })).toThrow(
      /the new pin file does not follow the pin file schema/,
    );
  });

  test('parsePin reports JSON syntax errors', () => {
    expect(() => parsePin('{', 'pageserver/postgres-bundle.json')).toThrow(
      /pageserver\/postgres-bundle.json is not valid JSON/,
    );
  });

  test('the documented example in docs/ follows the schema', () => {
    const example = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'pin-file.example.json'), 'utf8');
    expect(pinProblems(JSON.parse(example))).toEqual([]);
  });
});

describe('pin file paths', () => {
  test.each<[string, RegExp | undefined]>([
    ['pageserver/postgres-bundle.json', undefined],
    ['postgres-bundle.json', undefined],
    ['/pageserver/postgres-bundle.json', /relative to the repository root/],
    ['pageserver/', /relative to the repository root/],
    ['pageserver/../x.json', /"\.\."/],
    ['a b.json', /white space/],
    ['pins/*.json', /white space or any of/],
  ])('%s', (path, problem) => {
    const got = pinPathProblem(path);
    if (problem) expect(got).toMatch(problem);
    else expect(got).toBeUndefined();
  });
});
