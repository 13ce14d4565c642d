/**
 * fetchDebian end to end: a real apt-get talks to a Debian-style archive served on 127.0.0.1 by a server
 * started here, signed with a throwaway key. The archive lists postgresql-17 17.12 and 17.11 but its pool
 * only holds 17.11 (as deb.debian.org does after a point release), lists postgresql-18 versions it serves
 * no files for, and has a suite whose index answers 500.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ResolveContext } from '../../../src/source/context';
import { fetchDebian } from '../../../src/source/debian-source';
import { resolveSource } from '../../../src/source/resolve';
import { UserError } from '../../../src/util/errors';
import { MemoryLogger } from '../../support/memory-logger';

const PKG = 'postgresql-17';
const SERVED = '17.11-0+deb13u1';
const GONE = '17.12-0+deb13u1';
const POOL = `pool/main/p/${PKG}`;
/** a suite whose index the server answers 500 for */
const BROKEN = 'broken';

let work: string;
let archive: string;
let keyring: string;
let gnupg: string;
let server: Server;
let mirror: string;
/** what the archive was asked for, in order, with the status it answered */
const requests: { path: string; status: number }[] = [];
const paths = (from = 0) => requests.slice(from).map((r) => r.path);

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');

function write(path: string, data: string | Buffer): Buffer {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, data);
  return readFileSync(path);
}

/** A file of a source package as the Sources index and the .dsc describe it. */
interface PoolFile {
  name: string;
  size: number;
  sha256: string;
  md5: string;
}
const describe_ = (name: string, data: Buffer): PoolFile => ({
  name,
  size: data.length,
  sha256: sha256(data),
  md5: md5(data),
});

const checksums = (files: PoolFile[]) =>
  'Files:\n' +
  files.map((f) => ` ${f.md5} ${f.size} ${f.name}\n`).join('') +
  'Checksums-Sha256:\n' +
  files.map((f) => ` ${f.sha256} ${f.size} ${f.name}\n`).join('');

/** Builds a 3.0 (quilt) source package of PostgreSQL `upstream` into `dir` and returns its files. */
function buildSourcePackage(dir: string, pkg: string, upstream: string, version: string): PoolFile[] {
  const src = join(work, 'src', version);
  const top = join(src, `postgresql-${upstream}`);
  write(join(top, 'configure'), `#!/bin/sh\nPACKAGE_NAME='PostgreSQL'\nPACKAGE_VERSION='${upstream}'\n`);
  write(join(top, 'src/include/catalog/catversion.h'), '#define CATALOG_VERSION_NO\t202307071\n');
  write(join(top, 'src/backend/main/main.c'), 'else if (argc > 1 && strcmp(argv[1], "--single") == 0)\n');
  write(join(src, 'debian/changelog'), `${pkg} (${version}) trixie; urgency=medium\n`);
  mkdirSync(dir, { recursive: true });
  const orig = `${pkg}_${upstream}.orig.tar.gz`;
  const debian = `${pkg}_${version}.debian.tar.xz`;
  execFileSync('tar', ['-czf', join(dir, orig), '-C', src, `postgresql-${upstream}`]);
  execFileSync('tar', ['-cJf', join(dir, debian), '-C', src, 'debian']);
  const files = [orig, debian].map((f) => describe_(f, readFileSync(join(dir, f))));
  const dscName = `${pkg}_${version}.dsc`;
  const dsc = write(
    join(dir, dscName),
    `Format: 3.0 (quilt)\nSource: ${pkg}\nBinary: ${pkg}\nArchitecture: any\nVersion: ${version}\n` +
      `Maintainer: Test <test@example.invalid>\n${checksums(files)}`,
  );
  return [describe_(dscName, dsc), ...files];
}

/** Files of a version the index lists but the pool does not hold (their checksums are never checked). */
function absentSourcePackage(pkg: string, upstream: string, version: string): PoolFile[] {
  return [`${pkg}_${version}.dsc`, `${pkg}_${upstream}.orig.tar.gz`, `${pkg}_${version}.debian.tar.xz`].map(
    (name) => describe_(name, Buffer.from(name)),
  );
}

const sourcesEntry = (pkg: string, version: string, files: PoolFile[]) =>
  `Package: ${pkg}\nBinary: ${pkg}\nVersion: ${version}\nMaintainer: Test <test@example.invalid>\n` +
  `Architecture: any\nFormat: 3.0 (quilt)\n${checksums(files)}Directory: pool/main/p/${pkg}\n` +
  `Section: database\nPriority: optional\n`;

/** dists/<suite>: Sources (+ .gz), a Release with their SHA256 and an InRelease signed with the test key. */
function writeSuite(suite: string, entries: string[]): void {
  const dist = join(archive, 'dists', suite);
  const sources = Buffer.from(entries.join('\n'));
  const indexes: [string, Buffer][] = [
    ['main/source/Sources', write(join(dist, 'main/source/Sources'), sources)],
    ['main/source/Sources.gz', write(join(dist, 'main/source/Sources.gz'), gzipSync(sources))],
  ];
  const release =
    `Origin: Test\nLabel: Test\nSuite: ${suite}\nCodename: ${suite}\nDate: ${new Date().toUTCString()}\n` +
    `Architectures: amd64 source\nComponents: main\nDescription: pg-bundle test archive\nSHA256:\n` +
    indexes.map(([name, data]) => ` ${sha256(data)} ${data.length} ${name}\n`).join('');
  write(join(dist, 'Release'), release);
  gpg('--clearsign', '-o', join(dist, 'InRelease'), join(dist, 'Release'));
}

function gpg(...args: string[]): Buffer {
  return execFileSync(
    'gpg',
    ['--homedir', gnupg, '--batch', '--yes', '--pinentry-mode', 'loopback', ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

function serveArchive(): Promise<void> {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const root = join(archive, '..');
    const file = normalize(join(root, path));
    if (path.startsWith(`/debian/dists/${BROKEN}/`)) {
      requests.push({ path, status: 500 });
      res.writeHead(500).end('archive is down');
    } else if (file.startsWith(root + '/') && existsSync(file) && statSync(file).isFile()) {
      requests.push({ path, status: 200 });
      const data = readFileSync(file);
      res.writeHead(200, { 'Content-Length': data.length, 'Content-Type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : data);
    } else {
      requests.push({ path, status: 404 });
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => {
      mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/debian`;
      done();
    }),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pgb-debarchive-'));
  archive = join(work, 'archive', 'debian');
  gnupg = join(work, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  gpg(
    '--passphrase',
    '',
    '--quick-gen-key',
    'pg-bundle test archive <test@example.invalid>',
    'ed25519',
    'sign',
    '0',
  );
  keyring = join(work, 'test-archive-keyring.gpg');
  writeFileSync(keyring, gpg('--export'));

  const served = buildSourcePackage(join(archive, POOL), PKG, '17.11', SERVED);
  writeSuite('trixie', [
    sourcesEntry(PKG, GONE, absentSourcePackage(PKG, '17.12', GONE)),
    sourcesEntry(PKG, SERVED, served),
    sourcesEntry('postgresql-18', '18.2-1', absentSourcePackage('postgresql-18', '18.2', '18.2-1')),
    sourcesEntry('postgresql-18', '18.1-1', absentSourcePackage('postgresql-18', '18.1', '18.1-1')),
  ]);
  await serveArchive();
}, 20000);

afterAll(async () => {
  await new Promise((done) => server?.close(done));
  try {
    execFileSync('gpgconf', ['--homedir', gnupg, '--kill', 'all'], { stdio: 'ignore' });
  } catch {
    // no agent was started
  }
  rmSync(work, { recursive: true, force: true });
});

let cacheN = 0;
function context(
  suites = ['trixie'],
  cacheDir = join(work, `cache-${++cacheN}`),
): ResolveContext & {
  log: MemoryLogger;
} {
  return {
    cacheDir,
    log: new MemoryLogger(),
    debianMirror: mirror,
    debianSuites: suites,
    debianKeyring: keyring,
  };
}

const warnings = (log: MemoryLogger) => log.lines.filter((l) => l.startsWith('warning: '));

async function userError(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

/** the one line of an error, without its fix */
const headline = (err: Error) => err.message.split('\n')[0];

const missing = (pkg: string, upstream: string, version: string) =>
  `${pkg}_${version}.dsc (HTTP 404), ${pkg}_${upstream}.orig.tar.gz (HTTP 404), ` +
  `${pkg}_${version}.debian.tar.xz (HTTP 404)`;

describe('debian: sources from a real apt-get and a local archive', () => {
  test('unpinned: the newest listed version the archive serves, skipping one it answers 404 for', async () => {
    const ctx = context();
    const r = await resolveSource({ kind: 'debian', package: PKG }, 17, ctx);
    expect(r.version).toEqual({ full: '17.11', major: 17 });
    expect(r.catversion).toBe(202307071);
    expect(r.revision).toBe(`debian:${PKG}=${SERVED}`);
    expect(readFileSync(join(r.dir, 'configure'), 'utf8')).toContain("PACKAGE_VERSION='17.11'");
    const orig = readFileSync(join(archive, POOL, `${PKG}_17.11.orig.tar.gz`));
    expect(r.tarballSha256).toBe(sha256(orig));
    expect(r.dir).toBe(join(ctx.cacheDir, 'trees', sha256(orig), 'postgresql-17.11'));
    expect(warnings(ctx.log)).toEqual([
      `warning: Debian's index lists ${PKG} ${GONE} but the archive does not serve ${missing(PKG, '17.12', GONE)}; trying the next version`,
    ]);
    expect(existsSync(join(ctx.cacheDir, 'apt', 'updated'))).toBe(true);
    // the 404s really came from the pool, and the served version was downloaded
    expect(requests).toEqual(
      expect.arrayContaining([
        { path: `/debian/${POOL}/${PKG}_17.12.orig.tar.gz`, status: 404 },
        { path: `/debian/${POOL}/${PKG}_17.11.orig.tar.gz`, status: 200 },
        { path: `/debian/${POOL}/${PKG}_${SERVED}.dsc`, status: 200 },
      ]),
    );

    // a second run: the indexes are fresh and 17.11 is in the cache, so nothing is downloaded; only
    // 17.12, still listed, is asked for again (and still answered 404)
    const before = requests.length;
    const log = new MemoryLogger();
    const again = await resolveSource({ kind: 'debian', package: PKG }, 17, { ...ctx, log });
    expect(again.dir).toBe(r.dir);
    expect(again.revision).toBe(r.revision);
    expect(requests.slice(before).filter((q) => q.status !== 404)).toEqual([]);
    expect(paths(before).every((p) => p.startsWith(`/debian/${POOL}/${PKG}_17.12`))).toBe(true);
    expect(log.lines.some((l) => l.includes('apt-get update') || l.includes('extract'))).toBe(false);
  });

  test('an index that fails to download is warned about and the update is not recorded as fresh', async () => {
    const ctx = context(['trixie', BROKEN]);
    const r = await fetchDebian(PKG, SERVED, ctx);
    expect(r.version).toBe(SERVED);
    const update = warnings(ctx.log).filter((l) => l.includes('apt-get update'));
    expect(update).toHaveLength(1);
    expect(update[0]).toMatch(
      /^warning: apt-get update could not fetch every index \(it will be retried next time\): .*dists\/broken\/InRelease.*500/,
    );
    expect(existsSync(join(ctx.cacheDir, 'apt', 'updated'))).toBe(false);

    // so the next run updates again
    const before = requests.length;
    await fetchDebian(PKG, SERVED, { ...ctx, log: new MemoryLogger() });
    expect(paths(before)).toEqual(
      expect.arrayContaining(['/debian/dists/trixie/InRelease', `/debian/dists/${BROKEN}/InRelease`]),
    );
  });

  test('pinned to a version whose files the archive answers 404 for', async () => {
    const ctx = context();
    const err = await userError(fetchDebian(PKG, GONE, ctx));
    expect(headline(err)).toBe(
      `Debian's index lists ${PKG} ${GONE} (${missing(PKG, '17.12', GONE)}) but the archive answers 404 for those files`,
    );
    expect(err.fix).toBe(
      `pin a version the archive still serves (debian:${PKG}=<version>; listed: ${GONE}, ${SERVED}), ` +
        `or use a tarball:<url-or-path> source with --sha256`,
    );
    expect(warnings(ctx.log)).toEqual([]);
  });

  test('unpinned, and the archive serves none of the listed versions', async () => {
    const ctx = context();
    const err = await userError(fetchDebian('postgresql-18', undefined, ctx));
    expect(headline(err)).toBe(
      `Debian's index lists postgresql-18 18.2-1 (${missing('postgresql-18', '18.2', '18.2-1')}); ` +
        `postgresql-18 18.1-1 (${missing('postgresql-18', '18.1', '18.1-1')}) but the archive answers 404 for those files`,
    );
    expect(err.fix).toBe(
      "use a tarball:<url-or-path> source with --sha256 (e.g. upstream's release tarball)",
    );
    expect(warnings(ctx.log)).toHaveLength(2);
  });

  test('a package in no index', async () => {
    const err = await userError(fetchDebian('postgresql-99', undefined, context()));
    expect(headline(err)).toBe(`Debian has no source package 'postgresql-99' in trixie`);
    expect(err.message).not.toContain('--debian-suites');
  });

  test('a missing keyring is refused before apt runs', async () => {
    const ctx = { ...context(), debianKeyring: join(work, 'none.gpg') };
    const err = await userError(fetchDebian(PKG, undefined, ctx));
    expect(headline(err)).toContain(`archive keyring (${join(work, 'none.gpg')}) is missing`);
  });
});
