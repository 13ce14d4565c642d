import { parseCatversion, parseConfigureVersion, treeHasWalRedo } from '../../../src/source/pg-version';
import { debSrcList, parseDsc, upstreamTarball } from '../../../src/source/dsc';

describe('version facts from a source tree', () => {
  test.each([
    ["PACKAGE_NAME='PostgreSQL'\nPACKAGE_VERSION='15.18'\n", { full: '15.18', major: 15 }],
    ["PACKAGE_VERSION='18.6'\n", { full: '18.6', major: 18 }],
    ["PACKAGE_VERSION='17devel'\n", { full: '17devel', major: 17 }],
    ['no version here', undefined],
  ])('configure %#', (text, expected) => expect(parseConfigureVersion(text)).toEqual(expected));

  test('catversion.h', () => {
    expect(parseCatversion('/* yyyymmddN */\n#define CATALOG_VERSION_NO\t202209061\n')).toBe(202209061);
    expect(parseCatversion('#define OTHER 1')).toBeUndefined();
  });

  test('a fork main.c with --wal-redo is detected', () => {
    expect(treeHasWalRedo('else if (argc > 1 && strcmp(argv[1], "--wal-redo") == 0)')).toBe(true);
    expect(treeHasWalRedo('else if (argc > 1 && strcmp(argv[1], "--single") == 0)')).toBe(false);
  });
});

describe('Debian .dsc', () => {
  const dsc = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA512

Format: 3.0 (quilt)
Source: postgresql-15
Binary: libpq-dev, libpq5
Version: 15.18-0+deb12u1
Checksums-Sha256:
 ${'1'.repeat(64)} 23405115 postgresql-15_15.18.orig.tar.bz2
 ${'2'.repeat(64)} 31828 postgresql-15_15.18-0+deb12u1.debian.tar.xz
Files:
 abc 23405115 postgresql-15_15.18.orig.tar.bz2

-----BEGIN PGP SIGNATURE-----
xyz
-----END PGP SIGNATURE-----
`;
  test('parses source, version and sha256 list', () => {
    const parsed = parseDsc(dsc);
    expect(parsed.source).toBe('postgresql-15');
    expect(parsed.version).toBe('15.18-0+deb12u1');
    expect(parsed.files).toHaveLength(2);
    expect(upstreamTarball(parsed)).toEqual({
      name: 'postgresql-15_15.18.orig.tar.bz2',
      size: 23405115,
      sha256: '1'.repeat(64),
    });
  });
  test('rejects a file that is not a dsc', () => {
    expect(() => parseDsc('hello')).toThrow(/not a Debian .dsc/);
  });
  test('deb-src list pinned to a keyring', () => {
    expect(debSrcList('http://m/debian', ['sid'], '/k.gpg')).toBe(
      'deb-src [signed-by=/k.gpg] http://m/debian sid main\n',
    );
  });
  test('deb-src list', () => {
    expect(debSrcList('http://deb.debian.org/debian', ['bookworm', 'sid'])).toBe(
      'deb-src http://deb.debian.org/debian bookworm main\ndeb-src http://deb.debian.org/debian sid main\n',
    );
  });
});
