import { archOption, Platform, platformByArch } from '../../../src/core/platform';
import { architectureReport } from '../../../src/pin-bump/architectures';
import { PinFile } from '../../../src/pin-bump/pin-file';
import { analyseRisk } from '../../../src/pin-bump/risk';
import { platformPin } from '../../../src/publish/fetch-platform';
import { pinOf } from './helpers';

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

describe('the platform fetch takes', () => {
  const host = platformByArch('x86_64') as Platform;
  test.each<[string | undefined, Platform | undefined, string]>([
    [undefined, host, X86],
    ['aarch64', host, ARM],
    ['ARM64', undefined, ARM],
    [' x86_64 ', undefined, X86],
    ['amd64', undefined, X86],
  ])('--arch %j on %j: %s', (arch, on, expected) =>
    expect(archOption(arch, { host: on, nodeArch: 'x64' }).id).toBe(expected),
  );

  test.each<[string | undefined, RegExp]>([
    [
      'sparc',
      /^--arch sparc names no platform pg-bundle builds for\n {2}fix: pass --arch x86_64 or --arch aarch64$/,
    ],
    ['', /^--arch {2}names no platform/],
    [
      undefined,
      /^this machine's architecture \(riscv64\) is none pg-bundle builds for\n {2}fix: pass --arch x86_64 or --arch aarch64, or run pg-bundle on x86_64 or aarch64 Linux$/,
    ],
  ])('--arch %j on an unknown machine is refused in one line', (arch, message) =>
    expect(() => archOption(arch, { host: undefined, nodeArch: 'riscv64' })).toThrow(message),
  );

  test('a pin without the platform names what it has', () => {
    const pin = pinOf('manifest-icu67.json', 'bundle-1');
    expect(platformPin(pin, X86, 'p.json')).toMatchObject({ platform: X86, tag: 'bundle-1' });
    expect(() => platformPin(pin, ARM, 'p.json')).toThrow(
      /^p.json pins bundle-1 without a bundle for linux-aarch64 \(it has linux-x86_64\)\n {2}fix: pin-bump a release published with the linux-aarch64 artifacts too, or pass --arch x86_64 to fetch the linux-x86_64 bundle$/,
    );
  });
});
