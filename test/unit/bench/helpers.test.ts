import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingLoaderNote } from '../../../bench/initdb';
import { parseLdd } from '../../../bench/host-libs';
import { blockedAncestors, sourceOfManifest } from '../../../bench/bundles';
import { VersionManifest } from '../../../src/core/manifest';
import { sourcesForVersions } from '../../../src/source/spec';
import { newestForMajor } from '../../../bench/embedded';
import { parseProcStatCpuTicks, parseProcStatusKiB, privateKiB } from '../../../bench/walredo';
import { compileC, HELLO } from '../verify/gcc';

describe('newestForMajor', () => {
  const published = [
    '14.23.0-beta.17',
    '15.17.0-beta.17',
    '15.18.0-beta.16',
    '15.18.0-beta.17',
    '15.9.0-beta.14',
    '16.1.1-beta.9',
  ];
  it.each([
    [15, '15.18.0-beta.17'],
    [14, '14.23.0-beta.17'],
    [16, '16.1.1-beta.9'],
    [18, undefined],
  ])('major %d → %s', (major, expected) => expect(newestForMajor(published, major)).toBe(expected));
});

describe('parseProcStatusKiB', () => {
  const status =
    'Name:\tpostgres\nVmPeak:\t  220000 kB\nVmHWM:\t    6052 kB\nVmRSS:\t    6000 kB\nRssAnon:\t     812 kB\nRssFile:\t    5188 kB\n';
  it.each([
    ['VmHWM', 6052],
    ['RssAnon', 812],
    ['RssFile', 5188],
  ] as const)('reads %s from /proc/<pid>/status', (field, kib) => {
    expect(parseProcStatusKiB(status, field)).toBe(kib);
  });
  it('private memory is RssAnon + RssShmem', () => {
    expect(privateKiB(`${status}RssShmem:\t     304 kB\n`)).toBe(1116);
    expect(privateKiB(status)).toBeUndefined();
  });
  it('is undefined without the field (a kernel thread, a zombie)', () => {
    expect(parseProcStatusKiB('Name:\tx\nState:\tZ (zombie)\n', 'VmHWM')).toBeUndefined();
  });
});

describe('blockedAncestors', () => {
  const modes: Record<string, number> = {
    '/': 0o755,
    '/root': 0o700,
    '/root/out': 0o755,
    '/srv': 0o755,
    '/srv/out': 0o755,
  };
  const modeOf = (p: string) => modes[p];
  it.each([
    ['/root/out', ['/root']],
    ['/srv/out', []],
  ])('%s', (path, blocked) => expect(blockedAncestors(path, modeOf)).toEqual(blocked));
});

describe('parseLdd', () => {
  it('lists resolved libraries, the loader, and what was not found', () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007efdbd9ed000)',
      '\tlibpq.so.5 => /b/v15/lib/libpq.so.5 (0x00007efdbd956000)',
      '\tlibicuuc.so.72 => /lib/x86_64-linux-gnu/libicuuc.so.72 (0x00007efdbd876000)',
      '\tlibperl.so.5.26 => not found',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007efdbd9ef000)',
    ].join('\n');
    expect(parseLdd(text)).toEqual({
      resolved: [
        '/b/v15/lib/libpq.so.5',
        '/lib/x86_64-linux-gnu/libicuuc.so.72',
        '/lib64/ld-linux-x86-64.so.2',
      ],
      missing: ['libperl.so.5.26'],
    });
  });
  it('gives nothing for a static executable', () => {
    expect(parseLdd('\tnot a dynamic executable\n')).toEqual({ resolved: [], missing: [] });
  });
});

describe('parseProcStatCpuTicks', () => {
  it.each([
    ['21547 (postgres) R 1 2 3 0 -1 4194304 122 0 1 0 250 30 0 0 20 0 1 0 685699', 280],
    ['7 (a b) (c)) S 1 2 3 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 1', 11],
  ])('%s → %d ticks', (stat, ticks) => expect(parseProcStatCpuTicks(stat)).toBe(ticks));
  it('is undefined for text that is not a stat line', () =>
    expect(parseProcStatCpuTicks('nonsense')).toBeUndefined());
});

describe('missingLoaderNote', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bench-loader-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.each([
    [
      'a dynamically linked program names its loader',
      [],
      /^ \(its ELF interpreter \/lib64\/ld-linux-x86-64\.so\.2 is not in the empty root\)$/,
    ],
    ['a static program needs no loader', ['-static'], /^$/],
  ])('%s', (_what, flags, expected) => {
    const bin = readFileSync(compileC(dir, `hello${flags.join('')}`, HELLO, flags));
    expect(missingLoaderNote(bin)).toMatch(expected);
  });
  it('says nothing for a file that is not ELF', () => {
    expect(missingLoaderNote(Buffer.from('#!/bin/sh\n'))).toBe('');
  });
});

describe('sourceOfManifest', () => {
  const sha = 'ab'.repeat(32);
  const manifest = (source: VersionManifest['source']) => ({ source }) as VersionManifest;
  it('gives a tarball source its recorded checksum, which the build requires', () => {
    const src = sourceOfManifest(
      manifest({
        spec: 'tarball:/src/postgresql-14.23.tar.gz',
        kind: 'tarball',
        revision: `sha256:${sha}`,
        tarballSha256: sha,
      }),
    );
    expect(src).toEqual({ spec: 'tarball:/src/postgresql-14.23.tar.gz', sha256: sha });
    expect(() => sourcesForVersions([14], [src.spec], [])).toThrow(/needs a checksum/);
    expect(sourcesForVersions([14], [src.spec], [src.sha256!]).get(14)).toEqual({
      kind: 'tarball',
      location: '/src/postgresql-14.23.tar.gz',
      sha256: sha,
    });
  });
  it('gives a Debian source no checksum (the build rejects one), although the manifest records its tarball', () => {
    const src = sourceOfManifest(
      manifest({
        spec: 'debian:postgresql-15',
        kind: 'debian',
        revision: 'debian:postgresql-15=15.18-0+deb12u1',
        tarballSha256: sha,
      }),
    );
    expect(src).toEqual({ spec: 'debian:postgresql-15' });
    expect(sourcesForVersions([15], [src.spec], []).get(15)).toEqual({
      kind: 'debian',
      package: 'postgresql-15',
    });
  });
});
