import { expandTemplate, parseSourceSpec, parseVersions, sourcesForVersions } from '../../../src/source/spec';
import { UserError } from '../../../src/util/errors';

const SHA = 'a'.repeat(64);

describe('parseSourceSpec', () => {
  test.each([
    ['dir:vendor/postgres-v15', undefined, { kind: 'dir', path: 'vendor/postgres-v15' }],
    [
      'tarball:https://example.org/postgresql-15.18.tar.bz2',
      SHA,
      { kind: 'tarball', location: 'https://example.org/postgresql-15.18.tar.bz2', sha256: SHA },
    ],
    [
      'tarball:/tmp/pg.tar.gz',
      SHA.toUpperCase(),
      { kind: 'tarball', location: '/tmp/pg.tar.gz', sha256: SHA },
    ],
    ['debian:postgresql-15', undefined, { kind: 'debian', package: 'postgresql-15' }],
    [
      'debian:postgresql-15=15.18-0+deb12u1',
      undefined,
      { kind: 'debian', package: 'postgresql-15', version: '15.18-0+deb12u1' },
    ],
  ])('%s', (text, sha, expected) => {
    expect(parseSourceSpec(text, sha)).toEqual(expected);
  });

  test.each([
    ['postgresql-15', undefined, /no known kind/],
    ['git:https://x', undefined, /no known kind/],
    ['dir:', undefined, /has no path/],
    ['tarball:/tmp/x.tar.gz', undefined, /needs a checksum/],
    ['tarball:/tmp/x.tar.gz', 'abc', /is not a sha256 checksum/],
    ['debian:', undefined, /not a Debian source package/],
    ['debian:pg=1=2', undefined, /not a Debian source package/],
    ['debian:Postgres', undefined, /not a valid Debian package name/],
    ['debian:postgresql-15', SHA, /--sha256 was given for a Debian source/],
    ['dir:/x', SHA, /--sha256 was given for a directory/],
  ])('rejects %s', (text, sha, message) => {
    expect(() => parseSourceSpec(text, sha)).toThrow(UserError);
    expect(() => parseSourceSpec(text, sha)).toThrow(message);
  });
});

describe('sourcesForVersions', () => {
  test('expands a {v} template per version', () => {
    const m = sourcesForVersions([15, 18], ['debian:postgresql-{v}']);
    expect(m.get(15)).toEqual({ kind: 'debian', package: 'postgresql-15' });
    expect(m.get(18)).toEqual({ kind: 'debian', package: 'postgresql-18' });
  });
  test('one source per version, with checksums in order', () => {
    const m = sourcesForVersions([15, 18], ['tarball:/a.tgz', 'dir:/b'], [SHA]);
    expect(m.get(15)).toEqual({ kind: 'tarball', location: '/a.tgz', sha256: SHA });
    expect(m.get(18)).toEqual({ kind: 'dir', path: '/b' });
  });
  test('a single non-template source for two versions is refused', () => {
    expect(() => sourcesForVersions([15, 18], ['dir:/x'])).toThrow(/use a template with \{v\}/);
  });
  test('count mismatch names both counts', () => {
    expect(() => sourcesForVersions([15, 16, 18], ['dir:/a', 'dir:/b'])).toThrow(
      /2 sources were given for 3 versions/,
    );
  });
  test('no source', () => {
    expect(() => sourcesForVersions([15], [])).toThrow(/no --source given/);
  });
  test('expandTemplate', () => {
    expect(expandTemplate('dir:vendor/postgres-v{v}', 16)).toBe('dir:vendor/postgres-v16');
  });
});

describe('parseVersions', () => {
  test.each([
    ['15', [15]],
    ['15,18', [15, 18]],
    ['v14, v17', [14, 17]],
  ])('%s', (text, expected) => expect(parseVersions(text)).toEqual(expected));
  test.each([
    ['13', /not a supported PostgreSQL major version/],
    ['15,15', /listed twice/],
    ['', /no PostgreSQL major version/],
    ['15.2', /not a supported/],
  ])('rejects %s', (text, message) => expect(() => parseVersions(text)).toThrow(message));
});
