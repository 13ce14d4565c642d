/** The platform fetch takes (--arch, else the machine's) and that platform's bundle of a pin. */
import { archOption, Platform, platformByArch } from '../../../src/core/platform';
import { platformPin } from '../../../src/fetch/platform';
import { pinOf } from '../../support/pin-fixtures';

const X86 = 'linux-x86_64';
const ARM = 'linux-aarch64';

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
      /^--arch sparc names no platform pg-bundle supports\n {2}fix: pass --arch x86_64 or --arch aarch64$/,
    ],
    ['', /^--arch {2}names no platform/],
    [
      undefined,
      /^this machine's architecture \(riscv64\) is none pg-bundle supports\n {2}fix: pass --arch x86_64 or --arch aarch64$/,
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
