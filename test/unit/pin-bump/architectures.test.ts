import { architectureReport } from '../../../src/pin-bump/architectures';
import { PinFile } from '../../../src/pin/types';
import { analyseRisk } from '../../../src/pin-bump/risk';
import { pinOf } from '../../support/pin-fixtures';

const X86 = 'linux-x86_64';
const ARM = 'linux-aarch64';

/** The fixture pin with an aarch64 bundle beside its x86-64 one, changed by `edit`. */
function twoPlatforms(
  manifest = 'manifest-icu67.json',
  edit?: (arm: PinFile['platforms'][string]) => void,
): PinFile {
  const pin = pinOf(manifest, 'bundle-2');
  const arm = structuredClone(pin.platforms[X86]);
  arm.sha256 = 'cd'.repeat(32);
  edit?.(arm);
  return { ...pin, platforms: { ...pin.platforms, [ARM]: arm } };
}

describe('architectureReport', () => {
  test.each<[string, (arm: PinFile['platforms'][string]) => void, string[]]>([
    ['nothing', () => undefined, []],
    ['glibc', (a) => (a.versions['15'].libcVersion = '2.41'), ['15 glibc 2.36 2.41']],
    ['ICU', (a) => (a.versions['16'].icuVersion = '72.1'), ['16 ICU 67.1 72.1']],
    [
      'bundle size',
      (a) => (a.versions['15'].bundleSize = 1234567),
      [expect.stringMatching(/^15 bundle size [\d,]+ bytes 1,234,567 bytes$/) as unknown as string],
    ],
    [
      'a library',
      (a) => (a.versions['15'].components = [{ name: 'zlib', version: '1.3' }]),
      ['15 zlib — 1.3'],
    ],
  ])('a difference in %s', (_name, edit, expected) => {
    const report = architectureReport(twoPlatforms('manifest-icu67.json', edit));
    expect(report.platforms).toEqual([X86, ARM]);
    expect(report.differences.map((d) => `${d.version} ${d.what} ${d.values[X86]} ${d.values[ARM]}`)).toEqual(
      expected,
    );
    expect(report.equality.map((e) => e.result)).toEqual([undefined, undefined]);
  });

  test('one platform: nothing to compare', () => {
    expect(architectureReport(pinOf('manifest-icu67.json', 'b')).differences).toEqual([]);
  });
});

describe('analyseRisk per platform', () => {
  test('an item on every platform is listed once; one on a single platform names it', () => {
    const old = twoPlatforms();
    const next = twoPlatforms('manifest-icu72.json', (arm) => (arm.versions['15'].libcVersion = '2.41'));
    const risks = analyseRisk(old, next);
    const icu = risks.filter((r) => r.kind === 'icu-version');
    expect(icu.map((r) => [r.version, r.platforms])).toEqual([
      ['15', undefined],
      ['16', undefined],
    ]);
    const glibc = risks.filter((r) => r.kind === 'libc-version');
    expect(glibc).toEqual([
      expect.objectContaining({ version: '15', old: '2.36', new: '2.41', platforms: [ARM] }),
    ]);
  });

  test('a platform the old pin lacks is a first pin of it: no old → new items for it', () => {
    const old = pinOf('manifest-icu67.json', 'bundle-1');
    const next = twoPlatforms('manifest-icu67.json', (arm) => (arm.versions['15'].icuVersion = '74.2'));
    expect(analyseRisk(old, next).filter((r) => r.kind === 'icu-version')).toEqual([]);
  });
});
