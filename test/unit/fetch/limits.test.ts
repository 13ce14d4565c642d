/**
 * fetch under concurrency and hostile text (issue 28): one fetch per --out at a time, archive path
 * depth and length capped before anything is created, text from a manifest or an archive escaped
 * before it reaches the log, majors the pin does not list refused, deadlines on every call and
 * download, no credentials in pin URLs, one sum per name in SHA256SUMS.
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deadlines, deadlinesOption } from '../../../src/github/deadlines';
import { parseSha256Sums } from '../../../src/release/checksums';
import { fetchBundle, fetchRelease, FetchTarget } from '../../../src/fetch/fetch';
import { zstdCompress } from '../../../src/publish/zstd';
import { withDirLock } from '../../../src/util/dir-lock';
import { UserError } from '../../../src/util/errors';
import { sha256 } from '../../../src/util/hash';
import { ConsoleLogger } from '../../../src/util/logger';
import { MemoryLogger } from '../../support/memory-logger';
import { tempDir, versionManifest } from '../publish/helpers';
import { GOOD_FILES, goodEntries, manifestFor, pinFor, RawEntry, tarOf } from './hostile-bundles';

const FAST_LOCK = { staleMs: 30_000, pollMs: 20, maxWaitMs: 20_000 };
const NO_RETRY = { maxRetries: 0, baseDelayMs: 0, maxWaitMs: 0 };

function fetchInto(pinPath: string, outDir: string, extra: Partial<FetchTarget> = {}) {
  return fetchBundle({ pinPath, outDir, log: new MemoryLogger(), lockTiming: FAST_LOCK, ...extra });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  if (!err) throw new Error('expected a failure');
  return err;
}

/** A one-line UserError (message and fix) matching `pattern`, no stack, no line a runner reads as a command. */
async function expectUserError(p: Promise<unknown>, pattern: RegExp): Promise<Error> {
  const err = await failure(p);
  expect(err).toBeInstanceOf(UserError);
  expect(err.message).toMatch(pattern);
  expect(err.message.split('\n')).toHaveLength(2);
  expect(err.message).not.toMatch(/\n\s*::/);
  return err;
}

function arena(): { parent: string; out: string } {
  const parent = tempDir('pgb-limits-');
  return { parent, out: join(parent, 'out') };
}

/** A complete bundle of v15 whose postgres differs by `salt`; its pin's path. */
async function bundlePin(
  salt: string,
  bigBytes = 0,
): Promise<{ pin: string; files: Record<string, string> }> {
  const files: Record<string, string> = { ...GOOD_FILES, 'v15/bin/postgres': `postgres 15 ${salt}\n` };
  if (bigBytes) files['v15/lib/big'] = salt.repeat(bigBytes / salt.length);
  const manifest = manifestFor(files);
  const entries: RawEntry[] = [
    { name: 'manifest.json', type: 'file', data: JSON.stringify(manifest) },
    ...Object.entries(files).map(([name, data]) => ({ name, type: 'file' as const, data })),
  ];
  return { pin: await pinFor(await zstdCompress(await tarOf(entries)), manifest), files };
}

const contentOf = (out: string, files: Record<string, string>) =>
  Object.keys(files).every(
    (p) => existsSync(join(out, p)) && readFileSync(join(out, p), 'utf8') === files[p],
  );

describe('one fetch per --out at a time', () => {
  it('two fetches into one --out both end correctly; --out is always a complete bundle', async () => {
    const { parent, out } = arena();
    const a = await bundlePin('a', 8 * 1024 * 1024);
    const b = await bundlePin('b', 8 * 1024 * 1024);
    const first = fetchInto(a.pin, out);
    // start the second while the first is unpacking (its staging directory exists)
    let incomplete = 0;
    const watch = async () => {
      for (;;) {
        if (existsSync(out) && !existsSync(join(out, 'manifest.json'))) incomplete++;
        if (readdirSync(parent).some((n) => n.startsWith('.out.pg-bundle-'))) return;
        await new Promise((r) => setImmediate(r));
      }
    };
    await watch();
    const second = fetchInto(b.pin, out);
    const results = await Promise.allSettled([first, second]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(incomplete).toBe(0);
    expect(contentOf(out, b.files)).toBe(true);
    // one bundle beside --out, no staging or lock left
    expect(readdirSync(parent).filter((n) => n !== 'out')).toHaveLength(1);
  });

  it('a fetch that cannot wait any longer fails in one line and deletes nothing of the running one', async () => {
    const { parent, out } = arena();
    const { pin } = await bundlePin('a');
    const err = await withDirLock(out, { holder: 'a test', fix: 'none' }, new MemoryLogger(), async () => {
      writeFileSync(join(parent, '.out.pg-bundle-running'), 'live staging of the holder');
      return expectUserError(
        fetchInto(pin, out, { lockTiming: { staleMs: 30_000, pollMs: 20, maxWaitMs: 100 } }),
        /another fetch into .*out was still running after 100 ms \(lock .*out\.pg-bundle\.lock\)/,
      );
    });
    expect(err.message).toMatch(/fix: wait for the other fetch to end/);
    expect(readFileSync(join(parent, '.out.pg-bundle-running'), 'utf8')).toBe('live staging of the holder');
  });
});

describe('archive paths are capped before anything is created', () => {
  it('a tar nested 3,000 levels deep: one line, nothing left, the next fetch works', async () => {
    const { parent, out } = arena();
    const manifest = manifestFor(GOOD_FILES);
    const deep: RawEntry[] = [];
    for (let i = 1, name = 'v15/'; i <= 3000; i++) deep.push({ name: (name += 'd/'), type: 'directory' });
    const pin = await pinFor(await zstdCompress(await tarOf([...goodEntries(manifest), ...deep])), manifest);
    await expectUserError(fetchInto(pin, out), /v15\/d\/d\/.* is 33 directories deep \(at most 32\)/);
    expect(readdirSync(parent)).toEqual([]);
    const good = await bundlePin('a');
    await fetchInto(good.pin, out);
    expect(contentOf(out, good.files)).toBe(true);
  }, 30_000);

  it('a path longer than 1,024 bytes and a name longer than 255 are refused', async () => {
    const manifest = manifestFor(GOOD_FILES);
    for (const [name, pattern] of [
      [`v15/${'x'.repeat(200)}/`.repeat(6), /bytes long \(at most 1024\)/],
      [`v15/${'y'.repeat(300)}`, /a name longer than 255 bytes/],
    ] as const) {
      const { parent, out } = arena();
      const entries: RawEntry[] = [...goodEntries(manifest), { name, type: 'directory' }];
      await expectUserError(
        fetchInto(await pinFor(await zstdCompress(await tarOf(entries)), manifest), out),
        pattern,
      );
      expect(readdirSync(parent)).toEqual([]);
    }
  });
});

describe('text from a manifest or an archive never reaches the log raw', () => {
  it('a manifest version with "\\n::add-mask::" is refused, escaped, against the pin schema pattern', async () => {
    const { out } = arena();
    const manifest = manifestFor(GOOD_FILES);
    const pin = await pinFor(await zstdCompress(await tarOf(goodEntries(manifest))), manifest);
    const evil = manifestFor(GOOD_FILES);
    evil.versions['15'].postgres.version = '15.4\n::add-mask::hidden';
    const asset = await zstdCompress(await tarOf(goodEntries(evil)));
    const pinText = JSON.parse(readFileSync(pin, 'utf8'));
    writeFileSync(join(pin, '..', 'bundle.tar.zst'), asset);
    writeFileSync(pin, JSON.stringify({ ...pinText, sha256: sha256(asset) }));
    const log = new MemoryLogger();
    const err = await expectUserError(
      fetchBundle({ pinPath: pin, outDir: out, log }),
      /postgres\.version "15\.4\\n::add-mask::hidden", not a PostgreSQL version/,
    );
    expect(err.message).toContain('pattern ^[1-9]');
    for (const line of log.lines) expect(line.trimStart().startsWith('::')).toBe(false);
  });

  it('an archive path with a newline and a workflow command is named escaped', async () => {
    const { out } = arena();
    const manifest = manifestFor(GOOD_FILES);
    const entries: RawEntry[] = [
      ...goodEntries(manifest),
      { name: 'v15/x\n::stop-commands::pwned', type: 'file', data: 'x' },
    ];
    const pin = await pinFor(await zstdCompress(await tarOf(entries)), manifest);
    await expectUserError(
      fetchInto(pin, out),
      /v15\/x\\n::stop-commands::pwned is in the bundle but not in the manifest/,
    );
  });
});

it('a major the pin does not list is refused, and --out is not created', async () => {
  const { parent, out } = arena();
  const v16 = versionManifest(16, [
    { path: 'v16/bin/postgres', sha256: sha256('16'), size: 2, mode: '0644' },
  ]);
  const both = manifestFor(GOOD_FILES, { '16': v16 });
  const entries: RawEntry[] = [...goodEntries(both), { name: 'v16/bin/postgres', type: 'file', data: '16' }];
  const pin = await pinFor(await zstdCompress(await tarOf(entries)), both); // the pin lists v15 only
  await expectUserError(fetchInto(pin, out), /contains PostgreSQL 16, which the pin does not list/);
  expect(readdirSync(parent)).toEqual([]);
});

describe('deadlines on API calls and downloads', () => {
  const servers: Server[] = [];
  afterAll(() =>
    servers.forEach((s) => {
      s.closeAllConnections();
      s.close();
    }),
  );
  const deadlines: Deadlines = { answerMs: 300, idleMs: 300, totalMs: 1500, flag: '--timeout' };

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function pinAt(url: string): Promise<string> {
    const pin = await pinFor(Buffer.from('x'), manifestFor(GOOD_FILES));
    const pinText = JSON.parse(readFileSync(pin, 'utf8'));
    writeFileSync(pin, JSON.stringify({ ...pinText, assetUrl: `${url}/asset` }));
    return pin;
  }

  it('a download host that never answers', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    await expectUserError(
      fetchInto(await pinAt(url), arena().out, { deadlines, retry: NO_RETRY }),
      /downloading .* failed: .*no answer within 0\.3 s \(raise --timeout/,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a download that stalls after its first bytes, and one that trickles', async () => {
    const stalled = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write('x');
    });
    await expectUserError(
      fetchInto(await pinAt(stalled), arena().out, { deadlines, retry: NO_RETRY }),
      /the download stalled: no data for 0\.3 s/,
    );
    const trickle = await serve((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(timer));
    });
    await expectUserError(
      fetchInto(await pinAt(trickle), arena().out, { deadlines, retry: NO_RETRY }),
      /the download took longer than 1\.5 s/,
    );
  });

  it('an API that never answers (a release named by repository and tag)', async () => {
    const api = await serve(() => undefined);
    const started = Date.now();
    const err = await failure(
      fetchRelease({
        repository: 'acme/compute',
        tag: 'bundle-1',
        outDir: arena().out,
        apiUrl: api,
        log: new MemoryLogger(),
        retry: NO_RETRY,
        deadlines,
      }),
    );
    expect(err.message).toMatch(/no answer within 0\.3 s \(raise --timeout/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

it('a pin URL with credentials is refused without printing them', async () => {
  const pin = await pinFor(Buffer.from('x'), manifestFor(GOOD_FILES));
  const pinText = JSON.parse(readFileSync(pin, 'utf8'));
  writeFileSync(
    pin,
    JSON.stringify({
      ...pinText,
      assetUrl: 'https://bot:s3cr3t-token@github.com/o/r/releases/download/t/a.tar.zst',
    }),
  );
  const log = new MemoryLogger();
  const err = await expectUserError(
    fetchBundle({ pinPath: pin, outDir: arena().out, log }),
    /assetUrl carries credentials \(https:\/\/\*\*\*:\*\*\*@github\.com\//,
  );
  expect(err.message).not.toContain('s3cr3t');
  expect(log.lines.join('\n')).not.toContain('s3cr3t');
});

it('SHA256SUMS listing one name twice is refused', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  expect(parseSha256Sums(`${a}  one\n${b}  two\n`).get('two')).toBe(b);
  expect(() => parseSha256Sums(`${a}  one\n${b}  one\n`, 'SHA256SUMS of release t')).toThrow(
    /SHA256SUMS of release t lists one more than once/,
  );
});

it('--timeout sets the deadlines; anything but whole seconds is refused naming the flag', () => {
  expect(deadlinesOption(undefined)).toMatchObject({ answerMs: 60_000, idleMs: 60_000, flag: '--timeout' });
  expect(deadlinesOption('5')).toMatchObject({ answerMs: 5000, idleMs: 5000 });
  for (const bad of ['0', '-1', '1.5', 'soon'])
    expect(() => deadlinesOption(bad)).toThrow(/--timeout is ".*"\n {2}fix: pass a whole number of seconds/);
});

it('the CLI prints a line that would read as a workflow command behind a marker', () => {
  const lines: string[] = [];
  const logger = new ConsoleLogger(true, (l) => lines.push(l));
  logger.info('x\n::add-mask::hidden');
  logger.warn('  ::stop-commands::t');
  logger.debug('##[error]y');
  const text = lines.join('\n');
  expect(text).not.toMatch(/^\s*::/m);
  expect(text).not.toContain('##[');
  expect(text).toContain('› ::add-mask::hidden');
});
