import { VersionManifest } from '../../../src/core/manifest';
import {
  allIdentical,
  compareRebuild,
  rebuildInputs,
  renderRebuildReport,
  toolchainDifferences,
} from '../../../src/rebuild-check/rebuild-check';
import { versionManifest } from '../publish/helpers';
import { platformById } from '../../../src/core/platform';

const f = (path: string, sha256: string, size = 1) => ({ path, sha256, size, mode: '0644' });

describe('rebuildInputs: what the manifest records becomes the build request', () => {
  const entry = (edit: (v: VersionManifest) => void) => {
    const v = versionManifest(14, []);
    v.configureFlags = [
      '--prefix=/pg-bundle-unrelocated/v14',
      '--with-icu',
      '--with-lz4',
      '--without-readline',
      '--disable-rpath',
    ];
    v.icu = { version: '72.1', origin: 'distribution (libicu-dev 72.1-3+deb12u1)' };
    v.compilerFlags = '-O2 -fstack-protector-strong';
    edit(v);
    return v;
  };
  test.each([
    ['recorded as this pg-bundle compiles', '-O2 -fstack-protector-strong', false, null],
    ['a --keep-debug build: rebuilt with -g', '-O2 -g -fstack-protector-strong', true, null],
    ['not recorded (built before they were)', undefined, false, /does not record the compiler flags/],
    ['other flags', '-O3', false, /records compiler flags "-O3"/],
  ])('compiler flags %s', (_name, flags, debug, problem) => {
    const inputs = rebuildInputs(
      14,
      entry((v) => {
        v.compilerFlags = flags;
      }),
    );
    expect(inputs.debug).toBe(debug);
    const flagProblems = inputs.problems.filter((p) => /compiler flags/.test(p));
    if (problem) expect(flagProblems.join('\n')).toMatch(problem);
    else expect(flagProblems).toEqual([]);
  });
  test('an aarch64 bundle cross-built here: its configure arguments name both platforms, its flags -fsigned-char', () => {
    const target = { platform: platformById('linux-aarch64')!, host: platformById('linux-x86_64')! };
    const cross = entry((v) => {
      v.configureFlags = [...v.configureFlags, '--host=aarch64-linux-gnu', '--build=x86_64-linux-gnu'];
      v.compilerFlags = '-O2 -fstack-protector-strong -fsigned-char';
    });
    const flagProblems = (t?: typeof target) =>
      rebuildInputs(14, cross, t).problems.filter((p) => /configure flags|compiler flags/.test(p));
    expect(flagProblems(target)).toEqual([]);
    // the same entry read as an x86-64 bundle's is not what this pg-bundle would pass
    expect(flagProblems().join('\n')).toMatch(/--host=aarch64-linux-gnu/);
    expect(flagProblems().join('\n')).toMatch(/records compiler flags ".*-fsigned-char"/);
  });
  test('a tarball source with its sha256, the distribution ICU, walredo and locales', () => {
    const inputs = rebuildInputs(
      14,
      entry((v) => {
        v.source = {
          spec: 'tarball:/s/pg.tar.gz',
          kind: 'tarball',
          revision: 'sha256:ab',
          tarballSha256: 'a'.repeat(64),
        };
        v.locales = ['C.utf8'];
      }),
    );
    expect(inputs.source).toEqual({ kind: 'tarball', location: '/s/pg.tar.gz', sha256: 'a'.repeat(64) });
    expect(inputs.icuSource).toBeUndefined();
    expect(inputs.walredo).toBe('builtin');
    expect(inputs.locales).toEqual(['C.utf8']);
    expect(inputs.problems).toEqual([]);
  });
  test('the modules the builtin walredo preloads are rebuilt in (they are compiled into postgres)', () => {
    const inputs = rebuildInputs(
      16,
      entry((v) => {
        v.walredo = {
          mode: 'builtin',
          modules: ['pg_bundle_walredo', 'pgb_test_rmgr'],
          preload: ['pgb_test_rmgr'],
        };
        v.modules = [
          { name: 'pgb_test_rmgr', origin: 'module:test/fixtures/modules/pgb_test_rmgr', symbols: 9 },
        ];
      }),
    );
    expect(inputs.walredoPreload).toEqual(['pgb_test_rmgr']);
    expect(inputs.modules).toEqual(['test/fixtures/modules/pgb_test_rmgr']);
  });
  test('a Debian source is pinned to the version built; a Debian ICU is rebuilt from the same version', () => {
    const inputs = rebuildInputs(
      14,
      entry((v) => {
        v.source = { spec: 'debian:postgresql-14', kind: 'debian', revision: 'debian:postgresql-14=14.9-1' };
        v.icu = { version: '72.1', origin: 'debian:icu=72.1-3 (upstream tarball sha256:cd)' };
      }),
    );
    expect(inputs.source).toEqual({ kind: 'debian', package: 'postgresql-14', version: '14.9-1' });
    expect(inputs.icuSource).toBe('debian:icu=72.1-3');
  });
  test('changed configure flags, a directory source and an unrecorded ICU tarball are named', () => {
    const inputs = rebuildInputs(
      14,
      entry((v) => {
        v.configureFlags = [...v.configureFlags, '--enable-debug'];
        v.source = { spec: 'dir:/src/pg', kind: 'dir', revision: 'abc' };
        v.icu = { version: '67.1', origin: 'source tarball sha256:ef' };
      }),
    );
    expect(inputs.problems.join('\n')).toMatch(
      /directory[\s\S]*ICU came from source tarball[\s\S]*--enable-debug/,
    );
  });
});

test('toolchain differences name each field', () => {
  const recorded = { compiler: 'gcc 12.2.0', glibc: '2.36', binutils: 'ld 2.40' };
  expect(toolchainDifferences(recorded, recorded)).toEqual([]);
  expect(toolchainDifferences(recorded, { ...recorded, glibc: '2.41' })).toEqual([
    'glibc: recorded "2.36", this machine has "2.41"',
  ]);
});

test.each([
  ['all identical', [f('a', '1'), f('b', '2')], [f('b', '2'), f('a', '1')], [], true],
  [
    'one sha256 differs',
    [f('a', '1'), f('b', '2')],
    [f('a', '1'), f('b', '3')],
    ['b (sha256 differs (same size))'],
    false,
  ],
  ['sizes differ', [f('a', '1', 1)], [f('a', '9', 2)], ['a (size 1 → 2)'], false],
  [
    'missing and extra',
    [f('a', '1')],
    [f('c', '1')],
    ['a (missing in the rebuild)', 'c (only in the rebuild)'],
    false,
  ],
])('%s', (_name, recorded, rebuilt, different, identical) => {
  const files = compareRebuild(recorded, rebuilt);
  expect(files.different.map((d) => `${d.path} (${d.detail})`)).toEqual(different);
  const report = { major: 14, inputs: rebuildInputs(14, real()), toolchain: [], files };
  expect(allIdentical([report])).toBe(identical);
  expect(renderRebuildReport([report])[0]).toMatch(identical ? /reproduced bit for bit/ : /different$/);
});

/** A real v14 manifest entry (test fixture) derives without problems. */
function real(): VersionManifest {
  const v = versionManifest(14, []);
  v.configureFlags = [
    '--prefix=/pg-bundle-unrelocated/v14',
    '--with-icu',
    '--with-lz4',
    '--without-readline',
    '--disable-rpath',
  ];
  v.icu = { version: '72.1', origin: 'distribution' };
  v.source = {
    spec: 'tarball:/x.tar.gz',
    kind: 'tarball',
    revision: 'sha256:x',
    tarballSha256: 'b'.repeat(64),
  };
  return v;
}
