import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PinFile } from '../../../src/pin/types';
import { Component, Manifest } from '../../../src/core/manifest';
import { analyseRisk, componentChanges, icuMajorMinor, walSampleRisk } from '../../../src/pin-bump/risk';
import { pinOf } from '../../support/pin-fixtures';
import { versionsOf } from '../../support/pins';

const base = () => pinOf('manifest-icu67.json', 'bundle-1');
function changed(edit: (p: PinFile) => void): PinFile {
  const p = structuredClone(base());
  edit(p);
  return p;
}

describe('analyseRisk', () => {
  test('the ICU change between two manifests is flagged for every version', () => {
    const risks = analyseRisk(base(), pinOf('manifest-icu72.json', 'bundle-2'));
    expect(risks.map((r) => [r.version, r.kind, r.old, r.new])).toEqual([
      ['15', 'icu-version', '67.1', '72.1'],
      ['15', 'icu-collation-version', '153.14', '153.120'],
      ['16', 'icu-version', '67.1', '72.1'],
      ['16', 'icu-collation-version', '153.14', '153.120'],
    ]);
    expect(risks[0].why).toMatch(/REINDEX/);
  });

  test('a new minor release with the same ICU, glibc, locale and catalog is not a risk', () => {
    expect(analyseRisk(base(), pinOf('manifest-icu67-15.18.json', 'bundle-2'))).toEqual([]);
  });

  test.each<[string, (p: PinFile) => void, string]>([
    ['ICU minor', (p) => (versionsOf(p)['15'].icuVersion = '67.2'), 'icu-version'],
    ['ICU major', (p) => (versionsOf(p)['15'].icuVersion = '72.1'), 'icu-version'],
    ['ICU dropped', (p) => (versionsOf(p)['15'].icuVersion = null), 'icu-version'],
    ['glibc', (p) => (versionsOf(p)['15'].libcVersion = '2.41'), 'libc-version'],
    [
      'libc collation version',
      (p) => (versionsOf(p)['15'].collation.libcCollationVersion = '2.41'),
      'libc-collation-version',
    ],
    ['datcollate', (p) => (versionsOf(p)['15'].collation.datcollate = 'en_US.UTF-8'), 'default-locale'],
    ['datctype', (p) => (versionsOf(p)['15'].collation.datctype = 'en_US.UTF-8'), 'default-locale'],
    ['provider', (p) => (versionsOf(p)['15'].collation.provider = 'builtin'), 'locale-provider'],
    ['catalog version', (p) => (versionsOf(p)['15'].catalogVersion = 202209062), 'catalog-version'],
    ['major version removed', (p) => delete versionsOf(p)['16'], 'postgres-major'],
    [
      'major version added',
      (p) =>
        (versionsOf(p)['17'] = {
          ...versionsOf(p)['16'],
          postgresVersion: '17.4',
          catalogVersion: 202406281,
        }),
      'postgres-major',
    ],
    ['fact no longer measured', (p) => (versionsOf(p)['15'].collation.datcollate = null), 'not-measured'],
  ])('%s is flagged', (_name, edit, kind) => {
    const risks = analyseRisk(base(), changed(edit));
    expect(risks.map((r) => r.kind)).toEqual([kind]);
  });

  test('an ICU maintenance release (same major.minor) is not flagged', () => {
    expect(
      analyseRisk(
        changed((p) => (versionsOf(p)['15'].icuVersion = '72.1.0.1')),
        changed((p) => (versionsOf(p)['15'].icuVersion = '72.1.0.3')),
      ),
    ).toEqual([]);
    expect(icuMajorMinor('72.1.0.3')).toBe('72.1');
  });

  test('a first pin has nothing to compare, only unmeasured facts are reported', () => {
    expect(analyseRisk(undefined, base())).toEqual([]);
    const unmeasured = changed((p) => (versionsOf(p)['16'].collation.provider = null));
    expect(analyseRisk(undefined, unmeasured).map((r) => [r.version, r.kind, r.what])).toEqual([
      ['16', 'not-measured', 'provider'],
    ]);
  });
});

describe('componentChanges: the linked-in libraries, old → new', () => {
  const zlib = (v: string) => ({
    name: 'zlib',
    version: '1.2.13',
    debianPackage: 'zlib1g-dev',
    debianVersion: v,
    purl: `pkg:deb/debian/zlib1g-dev@${v}`,
  });
  const icuSrc = (v: string) => ({ name: 'icu', version: v, purl: `pkg:generic/icu@${v}` });
  test.each<[string, Component[] | undefined, Component[] | undefined, string[][]]>([
    [
      'a security update',
      [zlib('1:1.2.13.dfsg-1')],
      [zlib('1:1.2.13.dfsg-1+deb12u1')],
      [['zlib', 'zlib1g-dev 1:1.2.13.dfsg-1', 'zlib1g-dev 1:1.2.13.dfsg-1+deb12u1']],
    ],
    ['unchanged', [zlib('1:1.2.13.dfsg-1')], [zlib('1:1.2.13.dfsg-1')], []],
    ['a library added', [], [icuSrc('72.1')], [['icu', 'none', '72.1']]],
    ['a library removed', [icuSrc('67.1')], [], [['icu', '67.1', 'none']]],
    ['an old manifest without components', undefined, [zlib('1')], []],
  ])('%s', (_name, before, after, expected) => {
    const items = componentChanges('15', before, after);
    expect(items.map((i) => [i.what, i.old, i.new])).toEqual(expected);
    for (const i of items) expect(i.kind).toBe('component');
  });

  test('analyseRisk names each component change when both manifests are given', () => {
    const manifest = (v: string) =>
      ({ versions: { '15': { components: [zlib(v)] } } }) as unknown as Manifest;
    const risks = analyseRisk(base(), base(), {
      old: manifest('1:1.2.13.dfsg-1'),
      new: manifest('1:1.2.13.dfsg-2'),
    });
    expect(risks.map((r) => [r.version, r.kind, r.what, r.old, r.new])).toEqual([
      ['15', 'component', 'zlib', 'zlib1g-dev 1:1.2.13.dfsg-1', 'zlib1g-dev 1:1.2.13.dfsg-2'],
    ]);
  });
});

describe('a WAL sample replayed by verify --wal, in the Risk section', () => {
  const withSample = (failed: number): Manifest => {
    const m = JSON.parse(
      readFileSync(join(__dirname, '../../fixtures/pin-bump/manifest-icu72.json'), 'utf8'),
    ) as Manifest;
    m.versions['15'].conformance = {
      checks: [],
      walredo: {
        walSample: {
          dir: '/samples/tenant-a',
          records: 5120,
          dialect: "the storage service's fork dialect: 12 heap records with t_cid",
        },
        vectors: { passed: 812, failed, skipped: 40, compared: 700 },
      },
    };
    return m;
  };
  test.each([
    [0, 'wal-sample-passed'],
    [3, 'wal-sample'],
  ])('%i failed chains -> %s', (failed, kind) => {
    const items = analyseRisk(base(), base(), { new: withSample(failed) });
    expect(items).toEqual([
      expect.objectContaining({
        kind,
        version: '15',
        what: 'WAL sample /samples/tenant-a (5120 records)',
        new: `812 chains replayed (700 compared with an image the sample holds), ${failed} failed, 40 skipped`,
      }),
    ]);
  });
  test('without a sample nothing is said', () => {
    expect(walSampleRisk('15', { vectors: { passed: 1, failed: 0, skipped: 0 } })).toBeUndefined();
    expect(walSampleRisk('15', undefined)).toBeUndefined();
  });
});
