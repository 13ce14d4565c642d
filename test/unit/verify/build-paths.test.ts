import {
  absolutePathStrings,
  compiledLookupDirs,
  leakedPaths,
  sourceDirOfSpec,
} from '../../../src/verify/build-paths';

const bin = (...parts: string[]) => Buffer.from(parts.join('\0') + '\0', 'latin1');

describe('absolutePathStrings', () => {
  it('finds NUL-terminated absolute paths and ignores the rest', () => {
    const buf = Buffer.concat([
      Buffer.from([0x01, 0x02]),
      bin('/usr/lib/locale', 'relative/path', 'text /not/at/start', '/a', '/home/ci/work/src'),
      Buffer.from([0xff, 0x2f, 0x78, 0x79, 0x7a, 0x7a, 0x7a, 0x00]),
    ]);
    expect(absolutePathStrings(buf)).toEqual(['/home/ci/work/src', '/usr/lib/locale', '/xyzzz']);
  });
  it('deduplicates and sorts', () => {
    expect(absolutePathStrings(bin('/zz/bin', '/aa/bin', '/zz/bin'))).toEqual(['/aa/bin', '/zz/bin']);
  });
});

describe('leakedPaths', () => {
  const strings = [
    '/home/ci/out/v15/share/postgresql',
    '/home/ci/outside',
    '/usr/share/zoneinfo',
    '/src/postgresql-15.18/src/backend',
  ];
  it.each<[string[], Array<{ path: string; directory: string }>]>([
    [['/home/ci/out'], [{ path: '/home/ci/out/v15/share/postgresql', directory: '/home/ci/out' }]],
    [['/home/ci/out/'], [{ path: '/home/ci/out/v15/share/postgresql', directory: '/home/ci/out' }]],
    [
      ['/src/postgresql-15.18'],
      [{ path: '/src/postgresql-15.18/src/backend', directory: '/src/postgresql-15.18' }],
    ],
    [['/opt/nothing'], []],
    [['/'], []],
  ])('with forbidden %j', (forbidden, expected) => {
    expect(leakedPaths(strings, forbidden)).toEqual(expected);
  });
});

describe('compiledLookupDirs', () => {
  it('picks PGSHAREDIR, PKGLIBDIR and LOCALEDIR but not the system locale directory', () => {
    expect(
      compiledLookupDirs([
        '/pg-bundle-unrelocated/v15/share/postgresql',
        '/pg-bundle-unrelocated/v15/lib/postgresql',
        '/pg-bundle-unrelocated/v15/share/locale',
        '/usr/share/locale',
        '/pg-bundle-unrelocated/v15/bin',
        '/usr/lib/locale',
      ]),
    ).toEqual([
      '/pg-bundle-unrelocated/v15/share/postgresql',
      '/pg-bundle-unrelocated/v15/lib/postgresql',
      '/pg-bundle-unrelocated/v15/share/locale',
    ]);
  });
});

describe('sourceDirOfSpec', () => {
  it.each([
    ['dir:/src/postgresql-15.18', '/src/postgresql-15.18'],
    ['tarball:https://example.org/postgresql-15.18.tar.bz2', undefined],
    ['debian:postgresql-15', undefined],
    [undefined, undefined],
  ])('%s → %s', (spec, dir) => {
    expect(sourceDirOfSpec(spec)).toBe(dir);
  });
});
