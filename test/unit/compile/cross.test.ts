import {
  binTools,
  buildRequirements,
  crossCompilerFlags,
  crossConfigureArgs,
  crossEnv,
  crossRequirements,
  STATIC_LIBRARIES,
  toolName,
} from '../../../src/compile/cross';
import { buildTarget, refuseOtherPlatform } from '../../../src/compile/build';
import { compilerFrontScript } from '../../../src/compile/compiler-front';
import { compilerFlags, configureEnv } from '../../../src/compile/configure';
import { requirementsFor } from '../../../src/doctor/doctor';
import {
  aptInstallLine,
  foreignArchitectures,
  REQUIREMENTS,
  VERIFY_REQUIREMENTS,
} from '../../../src/compile/toolchain';
import { archOption, platformById } from '../../../src/core/platform';

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
      ['qemu-system-aarch64', 'qemu-system-arm'],
    ]);
    const libs = r.filter((x) => x.kind === 'static-lib');
    expect(libs.map((x) => x.name)).toEqual(
      STATIC_LIBRARIES.map((l) => l.name).filter((n) => n !== 'libc.a'),
    );
    // found by the cross compiler, from the arm64 packages
    expect(
      libs.every((x) => x.compiler === 'aarch64-linux-gnu-gcc' && x.debianPackage.endsWith(':arm64')),
    ).toBe(true);
    // glibc: the multiarch package the build links (not the cross toolchain's snapshot), by path
    expect(r.find((x) => x.debianPackage === 'libc6-dev:arm64')).toMatchObject({
      kind: 'file',
      name: '/usr/lib/aarch64-linux-gnu/libc.a',
    });
    // build-time programs (zic, pg_config) run through binfmt_misc
    expect(r.find((x) => x.name.startsWith('/proc/sys/fs/binfmt_misc/'))?.name).toBe(
      '/proc/sys/fs/binfmt_misc/qemu-aarch64',
    );
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
    expect(archOption(arch).id).toBe(id);
  });

  test('an architecture pg-bundle does not build for is refused in one line naming the choices', () => {
    expect(() => archOption('riscv64')).toThrow(/--arch riscv64 names no platform pg-bundle supports/);
  });
});

describe('a cross build (pure parts)', () => {
  const cross = { platform: arm, host: x86 };
  const native = { platform: x86, host: x86 };

  test('configure is told both platforms; a native build gets nothing new', () => {
    expect(crossConfigureArgs(cross)).toEqual(['--host=aarch64-linux-gnu', '--build=x86_64-linux-gnu']);
    expect(crossConfigureArgs(native)).toEqual([]);
  });

  test("pkg-config reads the target's .pc files only", () => {
    expect(crossEnv(cross)).toEqual({
      PKG_CONFIG_LIBDIR: '/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig',
    });
    expect(crossEnv(native)).toEqual({});
  });

  test("the cross compiler links the multiarch glibc first; the machine's compiler is left alone", () => {
    expect(crossCompilerFlags(cross)).toEqual(['-B/usr/lib/aarch64-linux-gnu/']);
    expect(crossCompilerFlags(native)).toEqual([]);
    const script = compilerFrontScript('/usr/bin/aarch64-linux-gnu-gcc', crossCompilerFlags(cross));
    expect(script).toContain(`set -- '-B/usr/lib/aarch64-linux-gnu/' \${PGB_MAP_SOURCE:+`);
    // the machine's front is byte for byte what it was
    expect(compilerFrontScript('/usr/bin/gcc')).toContain('set -- ${PGB_MAP_SOURCE:+');
  });

  test("every binutils call of a cross build uses the target's tools", () => {
    expect(binTools(cross)).toEqual({
      cc: 'aarch64-linux-gnu-gcc',
      ld: 'aarch64-linux-gnu-ld',
      nm: 'aarch64-linux-gnu-nm',
      objcopy: 'aarch64-linux-gnu-objcopy',
      strip: 'aarch64-linux-gnu-strip',
    });
    expect(binTools(native).cc).toBe('gcc');
  });

  test('a build checks the cross requirements only when it cross-builds', () => {
    expect(buildRequirements(native)).toEqual(REQUIREMENTS);
    expect(buildRequirements(cross)).toEqual([...REQUIREMENTS, ...crossRequirements(arm)]);
  });

  test.each([
    [
      { linkage: 'dynamic' as const },
      /--arch aarch64: the dynamic comparison build is built for this machine's architecture only/,
    ],
    [{ icuSource: 'debian:icu' }, /--arch aarch64: --icu-source is not cross-built yet/],
  ])('what a cross build cannot do is refused in one line: %p', (req, message) => {
    expect(() => buildTarget({ platform: arm, ...req }, x86)).toThrow(message);
    expect(buildTarget({ platform: x86, ...req }, x86)).toEqual(native);
  });
});

describe("the platform's compiler flags", () => {
  test.each([
    [x86, false, '-O2 -fstack-protector-strong'],
    [x86, true, '-O2 -g -fstack-protector-strong'],
    // AArch64's char is unsigned: catalogs' node trees printed 235 where x86-64 printed -21
    [arm, false, '-O2 -fstack-protector-strong -fsigned-char'],
    [arm, true, '-O2 -g -fstack-protector-strong -fsigned-char'],
  ])('%s (debug %s): %s', (platform, debug, flags) => {
    expect(compilerFlags(platform, debug)).toBe(flags);
  });
  test('configure records them (pg_config gives them to PGXS modules), on a native AArch64 build too', () => {
    const input = { major: 17, sourceDir: '/s', buildDir: '/b' };
    expect(configureEnv({ ...input, target: { platform: arm, host: arm } }).CFLAGS).toContain(
      '-fsigned-char',
    );
    expect(configureEnv({ ...input, target: { platform: arm, host: x86 } }).CFLAGS).toContain(
      '-fsigned-char',
    );
    expect(configureEnv(input).CFLAGS).toBe('-O2 -fstack-protector-strong');
  });
});

test("an out directory of another platform's bundle is refused in one line, its manifest's text escaped", () => {
  const cross = { platform: arm, host: x86 };
  expect(() => refuseOtherPlatform('/o', 'linux-x86_64', cross)).toThrow(
    '/o holds a linux-x86_64 bundle; this build is for linux-aarch64',
  );
  expect(() => refuseOtherPlatform('/o', 'x\n::error::boom', cross)).toThrow(
    '/o holds a x\\n::error::boom bundle',
  );
  expect(() => refuseOtherPlatform('/o', 'linux-aarch64', cross)).not.toThrow();
});
