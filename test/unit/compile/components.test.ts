import {
  componentsFor,
  debianPurl,
  distroQualifier,
  componentPackages,
  linkedLibraries,
  parseDpkgQuery,
  upstreamVersion,
} from '../../../src/compile/components';

const installed = parseDpkgQuery(
  [
    'libc6-dev\t2.36-9+deb12u14\tamd64',
    'libgcc-12-dev\t12.2.0-14+deb12u1\tamd64',
    'libicu-dev\t72.1-3+deb12u1\tamd64',
    'liblz4-dev\t1.9.4-1\tamd64',
    'libseccomp-dev\t2.5.4-1+deb12u1\tamd64',
    'libstdc++-12-dev\t12.2.0-14+deb12u1\tamd64',
    'libzstd-dev\t1.5.4+dfsg2-5\tamd64',
    'zlib1g-dev\t1:1.2.13.dfsg-1\tamd64',
    '',
  ].join('\n'),
);
const packages = { distro: 'debian-12', installed };

test.each([
  ['2.36-9+deb12u14', '2.36'],
  ['1:1.2.13.dfsg-1', '1.2.13'],
  ['1.5.4+dfsg2-5', '1.5.4'],
  ['72.1-3+deb12u1', '72.1'],
  ['1.9.4', '1.9.4'],
])('upstream version of Debian version %s is %s', (debian, upstream) => {
  expect(upstreamVersion(debian)).toBe(upstream);
});

test('package URLs percent-encode the epoch and carry arch and distro', () => {
  expect(debianPurl('zlib1g-dev', '1:1.2.13.dfsg-1', 'amd64', 'debian-12')).toBe(
    'pkg:deb/debian/zlib1g-dev@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12',
  );
  expect(distroQualifier('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n')).toBe(
    'debian-12',
  );
});

test.each([
  // v14 has no zstd; walredo's module asks for libseccomp
  [14, ['-lseccomp'], false, ['glibc', 'icu', 'libstdc++', 'libgcc', 'zlib', 'lz4', 'libseccomp']],
  [15, [], false, ['glibc', 'icu', 'libstdc++', 'libgcc', 'zlib', 'lz4', 'zstd']],
  [17, ['-lseccomp'], true, ['glibc', 'icu', 'libstdc++', 'libgcc', 'zlib', 'lz4', 'zstd', 'libseccomp']],
])('v%s with link libraries %j (ICU from source: %s) links %j', (major, linkLibs, fromSource, names) => {
  expect(
    linkedLibraries({ major, linkLibs, icu: { version: '72.1', fromSource }, gccMajor: '12' }).map(
      (l) => l.name,
    ),
  ).toEqual(names);
});

test('components name the Debian package and version each library came from', () => {
  const components = componentsFor(
    { major: 15, linkLibs: ['-lseccomp'], icu: { version: '72.1', fromSource: false }, gccMajor: '12' },
    packages,
  );
  expect(components.find((c) => c.name === 'zlib')).toEqual({
    name: 'zlib',
    version: '1.2.13',
    debianPackage: 'zlib1g-dev',
    debianVersion: '1:1.2.13.dfsg-1',
    purl: 'pkg:deb/debian/zlib1g-dev@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12',
  });
  expect(components.find((c) => c.name === 'libstdc++')?.debianPackage).toBe('libstdc++-12-dev');
  // ICU built from source has no Debian package: a generic purl
  const fromSource = componentsFor(
    { major: 15, linkLibs: [], icu: { version: '67.1', fromSource: true }, gccMajor: '12' },
    packages,
  );
  expect(fromSource.find((c) => c.name === 'icu')).toEqual({
    name: 'icu',
    version: '67.1',
    purl: 'pkg:generic/icu@67.1',
  });
});

test('a linked library whose package is not installed is an error, not a silent gap', () => {
  expect(() =>
    componentsFor(
      { major: 15, linkLibs: [], icu: { version: '72.1', fromSource: false }, gccMajor: '13' },
      packages,
    ),
  ).toThrow(/libstdc\+\+-13-dev is not installed/);
});

describe('a machine with a foreign architecture (dpkg lists a multiarch package once per architecture)', () => {
  const both = [
    'libc6-dev\t2.36-9+deb12u14\tamd64',
    'libc6-dev\t2.36-9+deb12u13\tarm64',
    'libstdc++-12-dev-arm64-cross\t12.2.0-14cross1\tall',
    '',
  ].join('\n');
  test.each([
    ['amd64', '2.36-9+deb12u14'],
    ['arm64', '2.36-9+deb12u13'],
  ])("the %s build takes that architecture's package", (arch, version) => {
    const got = parseDpkgQuery(both, arch);
    expect(got.get('libc6-dev')).toEqual({ version, arch });
    // an arch-all package (the cross toolchain's libraries) counts for every architecture
    expect(got.get('libstdc++-12-dev-arm64-cross')?.arch).toBe('all');
  });

  test("a cross build links gcc's libraries from the cross toolchain's packages", () => {
    expect(componentPackages('12', 'arm64')).toEqual([
      'libc6-dev',
      'libicu-dev',
      'libstdc++-12-dev-arm64-cross',
      'libgcc-12-dev-arm64-cross',
      'zlib1g-dev',
      'liblz4-dev',
      'libzstd-dev',
      'libseccomp-dev',
    ]);
    const libs = linkedLibraries({
      major: 17,
      linkLibs: [],
      icu: { version: '72.1', fromSource: false },
      gccMajor: '12',
      crossDebian: 'arm64',
    });
    expect(libs.find((l) => l.name === 'libgcc')?.debianPackage).toBe('libgcc-12-dev-arm64-cross');
    expect(libs.find((l) => l.name === 'zlib')?.debianPackage).toBe('zlib1g-dev');
  });
});
