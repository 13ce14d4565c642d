import { crossRequirements, STATIC_LIBRARIES, toolName } from '../../../src/build/cross';
import { requirementsFor, targetPlatform } from '../../../src/build/doctor';
import {
  aptInstallLine,
  foreignArchitectures,
  REQUIREMENTS,
  VERIFY_REQUIREMENTS,
} from '../../../src/build/toolchain';
import { platformById } from '../../../src/core/platform';

const x86 = platformById('linux-x86_64')!;
const arm = platformById('linux-aarch64')!;

describe('building for another architecture', () => {
  test.each([
    [x86, x86, 'gcc', 'gcc'],
    [arm, arm, 'objcopy', 'objcopy'],
    [arm, x86, 'gcc', 'aarch64-linux-gnu-gcc'],
    [arm, x86, 'nm', 'aarch64-linux-gnu-nm'],
    [x86, arm, 'strip', 'x86_64-linux-gnu-strip'],
  ])('%s on %s: %s is %s', (target, host, tool, name) => {
    expect(toolName(target, host, tool)).toBe(name);
  });

  test("needs Debian's cross toolchain, qemu, and every static library as the target's multiarch package", () => {
    const r = crossRequirements(arm);
    expect(r.filter((x) => x.kind === 'command').map((x) => [x.name, x.debianPackage])).toEqual([
      ['aarch64-linux-gnu-gcc', 'gcc-aarch64-linux-gnu'],
      ['aarch64-linux-gnu-g++', 'g++-aarch64-linux-gnu'],
      ['aarch64-linux-gnu-objcopy', 'binutils-aarch64-linux-gnu'],
      ['qemu-aarch64-static', 'qemu-user-static'],
    ]);
    const libs = r.filter((x) => x.kind === 'static-lib');
    expect(libs.map((x) => x.name)).toEqual(STATIC_LIBRARIES.map((l) => l.name));
    // found by the cross compiler, from the arm64 packages
    expect(
      libs.every((x) => x.compiler === 'aarch64-linux-gnu-gcc' && x.debianPackage.endsWith(':arm64')),
    ).toBe(true);
  });

  test('the native build needs nothing more; a cross build adds its requirements', () => {
    expect(requirementsFor(x86, x86)).toEqual([...REQUIREMENTS, ...VERIFY_REQUIREMENTS]);
    expect(requirementsFor(arm, x86)).toEqual([
      ...REQUIREMENTS,
      ...crossRequirements(arm),
      ...VERIFY_REQUIREMENTS,
    ]);
  });

  test('the apt line adds the foreign architecture first', () => {
    const missing = crossRequirements(arm).filter(
      (r) => r.name === 'libz.a' || r.name === 'aarch64-linux-gnu-gcc',
    );
    expect(foreignArchitectures(missing.map((r) => r.debianPackage))).toEqual(['arm64']);
    expect(aptInstallLine(missing)).toBe(
      'sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install -y --no-install-recommends gcc-aarch64-linux-gnu zlib1g-dev:arm64',
    );
  });

  test.each([
    ['aarch64', 'linux-aarch64'],
    ['arm64', 'linux-aarch64'],
    ['linux-aarch64', 'linux-aarch64'],
    ['x86_64', 'linux-x86_64'],
    ['AMD64', 'linux-x86_64'],
  ])('--arch %s is %s', (arch, id) => {
    expect(targetPlatform(arch).id).toBe(id);
  });

  test('an architecture pg-bundle does not build for is refused in one line naming the choices', () => {
    expect(() => targetPlatform('riscv64')).toThrow(
      /--arch riscv64: not an architecture pg-bundle builds for/,
    );
  });
});
