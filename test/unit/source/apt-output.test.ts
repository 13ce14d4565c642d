import { aptFailures, missingArchiveFiles } from '../../../src/source/apt-output';

// captured from `apt-get source --download-only postgresql-17=17.12-0+deb13u1` on 2026-11-29: trixie's
// index lists the version, the archive's pool answers 404 for its files
const SOURCE_404 = `Reading package lists...
Need to get 22.2 MB of source archives.
Err:1 http://deb.debian.org/debian trixie/main postgresql-17 17.12-0+deb13u1 (dsc)
  404  Not Found [IP: 203.0.113.80 80]
Err:2 http://deb.debian.org/debian trixie/main postgresql-17 17.12-0+deb13u1 (tar)
  404  Not Found [IP: 203.0.113.80 80]
E: Failed to fetch http://deb.debian.org/debian/pool/main/p/postgresql-17/postgresql-17_17.12-0%2bdeb13u1.dsc  404  Not Found [IP: 203.0.113.80 80]
E: Failed to fetch http://deb.debian.org/debian/pool/main/p/postgresql-17/postgresql-17_17.12.orig.tar.bz2  404  Not Found [IP: 203.0.113.80 80]
E: Failed to fetch some archives.
`;

const UPDATE_PARTLY_FAILED = `Hit:1 http://deb.debian.org/debian bookworm InRelease
Err:2 http://deb.debian.org/debian sid InRelease
  Could not connect to deb.debian.org:80 (203.0.113.80), connection timed out
Reading package lists...
W: Failed to fetch http://deb.debian.org/debian/dists/sid/InRelease  Could not connect to deb.debian.org:80 (203.0.113.80), connection timed out
W: Some index files failed to download. They have been ignored, or old ones used instead.
`;

describe('missingArchiveFiles', () => {
  it.each([
    [
      'files the archive answers 404 for, names decoded',
      SOURCE_404,
      [
        ['postgresql-17_17.12-0+deb13u1.dsc', 404],
        ['postgresql-17_17.12.orig.tar.bz2', 404],
      ],
    ],
    ['a download that worked', 'Get:1 http://x/pool/p/a.dsc [4284 B]\nFetched 22.2 MB\n', []],
    ['a network failure is not a missing file', UPDATE_PARTLY_FAILED, []],
  ])('%s', (_name, output, expected) => {
    expect(missingArchiveFiles(output).map((f) => [f.file, f.status])).toEqual(expected);
  });
});

describe('aptFailures', () => {
  it.each([
    [
      'an update that worked',
      'Hit:1 http://deb.debian.org/debian bookworm InRelease\nReading package lists...\n',
      [],
    ],
    [
      'an update with a failed index (apt exits 0)',
      UPDATE_PARTLY_FAILED,
      [
        'http://deb.debian.org/debian sid InRelease',
        'Failed to fetch http://deb.debian.org/debian/dists/sid/InRelease  Could not connect to deb.debian.org:80 (203.0.113.80), connection timed out',
        'Some index files failed to download. They have been ignored, or old ones used instead.',
      ],
    ],
    [
      'a source download with missing files',
      SOURCE_404,
      [
        'http://deb.debian.org/debian trixie/main postgresql-17 17.12-0+deb13u1 (dsc)',
        'http://deb.debian.org/debian trixie/main postgresql-17 17.12-0+deb13u1 (tar)',
        'Failed to fetch http://deb.debian.org/debian/pool/main/p/postgresql-17/postgresql-17_17.12-0%2bdeb13u1.dsc  404  Not Found [IP: 203.0.113.80 80]',
        'Failed to fetch http://deb.debian.org/debian/pool/main/p/postgresql-17/postgresql-17_17.12.orig.tar.bz2  404  Not Found [IP: 203.0.113.80 80]',
        'Failed to fetch some archives.',
      ],
    ],
  ])('%s', (_name, output, expected) => {
    expect(aptFailures(output)).toEqual(expected);
  });
});
