import { readFileSync } from 'node:fs';
import { platformOrder } from '../../../src/core/platform';
import { join } from 'node:path';
import { pinPathProblem } from '../../../src/pin/path';
import { defaultBundle, pinnedPlatforms, samePinnedRelease, unmeasuredFacts } from '../../../src/pin/pinned';
import { parsePin } from '../../../src/pin/read';
import { pinProblems } from '../../../src/pin/schema';
import { PinFile } from '../../../src/pin/types';
import { normaliseProvider, pinFromManifest, pinFromManifests, serialisePin } from '../../../src/pin/write';
import { Manifest } from '../../../src/core/manifest';
import { firstForm, versionsOf, withBundle } from '../../support/pins';
import { fixtureManifest, pinOf, releaseFor } from '../../support/pin-fixtures';

const TAG = 'bundle-20250101-3f1a2c0';
const X86 = 'linux-x86_64';
const ARM = 'linux-aarch64';

/** The fixture's manifest as built for another platform (other ICU, a bigger bundle). */
function armManifest(): Manifest {
  const m = fixtureManifest('manifest-icu67.json');
  m.platform = ARM;
  for (const v of Object.values(m.versions)) {
    v.toolchain = { ...v.toolchain, glibc: '2.36' };
    v.files = v.files.map((f) => ({ ...f, size: f.size + 100 }));
  }
  return m;
}

/** A release of both platforms. */
function bothPlatforms(): PinFile {
  const x86 = fixtureManifest('manifest-icu67.json');
  const release = releaseFor(TAG);
  const arm = {
    ...release.assets[X86],
    assetName: `pg-bundle-${TAG}-${ARM}.tar.zst`,
    sha256: 'cd'.repeat(32),
  };
  return pinFromManifests([armManifest(), x86], { ...release, assets: { ...release.assets, [ARM]: arm } });
}

describe('pinFromManifest', () => {
  test('takes release facts and per-version facts from the manifest', () => {
    const pin = pinOf('manifest-icu67.json', 'bundle-20250101-3f1a2c0');
    expect(pin).toEqual({
      schemaVersion: 2,
      tag: 'bundle-20250101-3f1a2c0',
      releaseUrl: 'https://github.com/acme/pg-bundle-releases/releases/tag/bundle-20250101-3f1a2c0',
      platforms: {
        'linux-x86_64': {
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
        },
      },
    });
    expect(pinProblems(pin)).toEqual([]);
    expect(unmeasuredFacts(pin)).toEqual([]);
  });

  test('without conformance facts the collation is null and reported as not measured', () => {
    const manifest = fixtureManifest('manifest-icu67.json');
    delete manifest.versions['16'].conformance;
    const pin = pinFromManifest(manifest, releaseFor('t1'));
    expect(versionsOf(pin)['16'].collation).toEqual({
      datcollate: null,
      datctype: null,
      provider: null,
      icuCollationVersion: null,
      libcCollationVersion: null,
    });
    expect(versionsOf(pin)['16'].icuVersion).toBe('67.1'); // from the build facts
    expect(versionsOf(pin)['16'].catalogVersion).toBe(202307071);
    expect(unmeasuredFacts(pin)).toEqual([
      'v16: datcollate',
      'v16: datctype',
      'v16: provider',
      'v16: icuCollationVersion',
      'v16: libcCollationVersion',
    ]);
    expect(pinProblems(pin)).toEqual([]);
  });

  test('several platforms: one bundle each, in platform order, each with its own facts', () => {
    const pin = bothPlatforms();
    expect(Object.keys(pin.platforms)).toEqual([X86, ARM]);
    expect(pin.platforms[ARM].sha256).toBe('cd'.repeat(32));
    expect(pin.platforms[ARM].versions['15'].bundleSize).toBe(
      pin.platforms[X86].versions['15'].bundleSize + 400,
    );
    expect(pinProblems(pin)).toEqual([]);
    expect(parsePin(serialisePin(pin), 'x')).toEqual(pin);
  });

  test('a manifest whose platform the release has no asset for is refused', () => {
    expect(() => pinFromManifests([armManifest()], releaseFor('t1'))).toThrow(
      /release t1 has no bundle asset for linux-aarch64/,
    );
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

describe('schema validation of the first form (schemaVersion 1)', () => {
  const good = () => firstForm(pinOf('manifest-icu67.json', 'bundle-1'));
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
    ['newer schema version', (p) => (p.schemaVersion = 3), /must be equal to one of the allowed values/],
    [
      "the first form with the second's platforms",
      (p) => (p.platforms = {}),
      /additional properties \(platforms\)/,
    ],
    ['no platform', (p) => delete p.platform, /must have required property 'platform'/],
  ])('%s is rejected', (_name, mutate, message) => {
    const pin = good();
    mutate(pin);
    expect(pinProblems(pin).join('\n')).toMatch(message);
    expect(() => parsePin(JSON.stringify(pin), 'pageserver/postgres-bundle.json')).toThrow(
      /does not follow the pin file schema/,
    );
  });

  test('a valid pin of the first form reads as a pin with its one platform', () => {
    const old = good();
    const pin = parsePin(JSON.stringify(old), 'old pin');
    expect(pin).toEqual(pinOf('manifest-icu67.json', 'bundle-1'));
    expect(pinnedPlatforms(pin)).toEqual([X86]);
    expect(pin.platforms[X86].sha256).toBe(old.sha256);
  });

  test('a pin of the first form with releasedAt and requires keeps both', () => {
    const old = { ...good(), releasedAt: '2025-01-01T00:00:00Z', requires: { walredo: { mode: 'fork' } } };
    const pin = parsePin(JSON.stringify(old), 'old pin');
    expect(pin.releasedAt).toBe('2025-01-01T00:00:00Z');
    expect(pin.requires).toEqual({ walredo: { mode: 'fork' } });
  });

  test('serialisePin writes the second form: 2-space JSON with a final newline, and round-trips', () => {
    const pin = pinOf('manifest-icu67.json', 'bundle-1');
    const text = serialisePin(pin);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "schemaVersion": 2,');
    expect(text).toContain('\n  "platforms": {\n    "linux-x86_64": {');
    expect(parsePin(text, 'x')).toEqual(pin);
  });

  test('serialisePin refuses an invalid pin', () => {
    const pin = pinOf('manifest-icu67.json', 'bundle-1');
    expect(() => serialisePin(withBundle(pin, { sha256: 'nope' }))).toThrow(
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

describe('schema validation of the second form (schemaVersion 2)', () => {
  type Mutation = (p: Record<string, unknown>, platforms: Record<string, Record<string, unknown>>) => void;
  test.each<[string, Mutation, RegExp]>([
    ['no platforms', (p) => delete p.platforms, /must have required property 'platforms'/],
    ['an empty platform list', (p) => (p.platforms = {}), /must NOT have fewer than 1 properties/],
    [
      'a platform name with a slash',
      (_p, b) => (b['linux/x86_64'] = b[X86]),
      /property name must be valid|must match pattern/,
    ],
    [
      'a bad sha256 of one platform',
      (_p, b) => (b[ARM].sha256 = 'ab'),
      /\/platforms\/linux-aarch64\/sha256 must match pattern/,
    ],
    [
      'no asset URL of one platform',
      (_p, b) => delete b[ARM].assetUrl,
      /must have required property 'assetUrl'/,
    ],
    [
      'a plain-http asset URL',
      (_p, b) => (b[X86].assetUrl = 'http://evil.example/a'),
      /assetUrl must match pattern/,
    ],
    [
      'no versions of one platform',
      (_p, b) => delete b[ARM].versions,
      /must have required property 'versions'/,
    ],
    [
      "the first form's top-level sha256",
      (p) => (p.sha256 = 'ab'.repeat(32)),
      /additional properties \(sha256\)/,
    ],
    ['an unknown field of a platform', (_p, b) => (b[X86].extra = 1), /additional properties \(extra\)/],
    ['platforms not an object', (p) => (p.platforms = [1]), /must be object/],
  ])('%s is rejected', (_name, mutate, message) => {
    const pin = structuredClone(bothPlatforms()) as unknown as Record<string, unknown>;
    mutate(pin, pin.platforms as Record<string, Record<string, unknown>>);
    expect(pinProblems(pin).join('\n')).toMatch(message);
    expect(() => parsePin(JSON.stringify(pin), 'p.json')).toThrow(
      /p.json does not follow the pin file schema/,
    );
  });

  test('platforms of different PostgreSQL versions are refused in one line', () => {
    const pin = structuredClone(bothPlatforms());
    pin.platforms[ARM].versions['15'].postgresVersion = '15.99';
    expect(pinProblems(pin)).toEqual([]);
    expect(() => parsePin(JSON.stringify(pin), 'p.json')).toThrow(
      /^p.json pins bundles of different PostgreSQL versions per platform: linux-x86_64 has PostgreSQL 15=15.17, 16=16.9 but linux-aarch64 has 15=15.99, 16=16.9\n {2}fix: /,
    );
    expect(() => serialisePin(pin)).toThrow(/different PostgreSQL versions/);
  });

  test.each<[string, string]>([
    ['not JSON', '{"schemaVersion": 2,'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"pin"'],
    ['no schema version', '{"tag": "t"}'],
    ['a schema version as a string', '{"schemaVersion": "2"}'],
  ])('hostile input: %s is refused with the file named', (_name, text) => {
    expect(() => parsePin(text, 'p.json')).toThrow(
      /^p.json (is not valid JSON|does not follow the pin file schema)/,
    );
  });

  test('a prototype-polluting key is only a platform name the schema refuses', () => {
    const text = JSON.stringify(bothPlatforms()).replace('"linux-aarch64"', '"__proto__"');
    expect(() => parsePin(text, 'p.json')).toThrow(/does not follow the pin file schema/);
    expect(({} as Record<string, unknown>).sha256).toBeUndefined();
  });
});

describe('platforms of a pin', () => {
  test.each<[string[], string[]]>([
    [
      [ARM, X86],
      [X86, ARM],
    ],
    [[X86], [X86]],
    [
      ['linux-riscv64', ARM],
      [ARM, 'linux-riscv64'],
    ],
    [
      ['b-z', 'a-z'],
      ['a-z', 'b-z'],
    ],
  ])('platformOrder(%j) = %j', (ids, ordered) => expect(platformOrder(ids)).toEqual(ordered));

  test.each<[string | undefined, string]>([
    [X86, 'ab'.repeat(32)],
    [ARM, 'cd'.repeat(32)],
    ['linux-riscv64', 'ab'.repeat(32)],
    [undefined, 'ab'.repeat(32)],
  ])('the default bundle for %s has sha256 %s', (platform, sha) =>
    expect(defaultBundle(bothPlatforms(), platform).sha256).toBe(sha),
  );

  test('two pins are the same release only with the same sha256 on every platform', () => {
    const a = bothPlatforms();
    expect(samePinnedRelease(a, structuredClone(a))).toBe(true);
    expect(samePinnedRelease(a, withBundle(a, { sha256: 'ef'.repeat(32) }, ARM))).toBe(false);
    const onlyX86 = pinOf('manifest-icu67.json', TAG);
    expect(samePinnedRelease(a, onlyX86)).toBe(false);
    expect(samePinnedRelease(onlyX86, parsePin(JSON.stringify(firstForm(onlyX86)), 'old'))).toBe(true);
  });

  test('unmeasured facts name their platform when there are several', () => {
    const pin = structuredClone(bothPlatforms());
    pin.platforms[ARM].versions['16'].collation.datctype = null;
    expect(unmeasuredFacts(pin)).toEqual(['v16 (linux-aarch64): datctype']);
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
