/**
 * fetch as a security boundary (issue 15): hostile archives, manifests and pins whose sha256 matches
 * must never write or delete outside --out, never send the token elsewhere, and fail with a UserError.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiTakesToken, tokenMayGoTo } from '../../../src/fetch/access';
import { fetchBundle } from '../../../src/fetch/fetch';
import { zstdCompress } from '../../../src/publish/zstd';
import { pinProblems } from '../../../src/pin/schema';
import { pinFromManifest } from '../../../src/pin/write';
import { UserError } from '../../../src/util/errors';
import { sha256 } from '../../../src/util/hash';
import { MemoryLogger } from '../../support/memory-logger';
import { tempDir, versionManifest } from '../publish/helpers';
import { GOOD_FILES, goodEntries, manifestFor, pinFor, RawEntry, tarOf, zstdBomb } from './hostile-bundles';
import { releaseOf, withBundle } from '../../support/pins';

async function fetchInto(pinPath: string, outDir: string, token?: string) {
  return fetchBundle({ pinPath, outDir, token, log: new MemoryLogger() });
}

async function expectUserError(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toMatch(/\n\s+at /);
}

/** A parent directory with --out inside it and a victim beside --out. */
function arena(): { parent: string; out: string; victim: string } {
  const parent = tempDir('pgb-arena-');
  const victim = join(parent, 'victim');
  mkdirSync(victim);
  writeFileSync(join(victim, 'keep'), 'keep');
  return { parent, out: join(parent, 'out'), victim };
}

describe('fetch never writes or deletes outside --out', () => {
  it('refuses a symlink chain that climbs out (a/b/c/up -> ../../.., esc -> up/../../.., esc/x)', async () => {
    const { parent, out } = arena();
    const manifest = manifestFor({ ...GOOD_FILES, 'v15/a/b/c/esc/x': 'pwned' });
    const entries: RawEntry[] = [
      ...goodEntries(manifest),
      { name: 'v15/a/b/c/', type: 'directory' },
      { name: 'v15/a/b/c/up', type: 'symlink', linkname: '../../..' },
      { name: 'v15/a/b/c/esc', type: 'symlink', linkname: 'up/../../..' },
      { name: 'v15/a/b/c/esc/x', type: 'file', data: 'pwned' },
    ];
    const pin = await pinFor(await zstdCompress(await tarOf(entries)), manifest);
    await expectUserError(fetchInto(pin, out), /symlink|link/);
    expect(existsSync(join(parent, 'x'))).toBe(false);
    expect(readdirSync(parent).sort()).toEqual(['victim']);
  });

  it('refuses a symlink the manifest does not list', async () => {
    const { out } = arena();
    const entries: RawEntry[] = [
      ...goodEntries(),
      { name: 'v15/bin/postmaster', type: 'symlink', linkname: 'postgres' },
    ];
    const pin = await pinFor(await zstdCompress(await tarOf(entries)), manifestFor(GOOD_FILES));
    await expectUserError(fetchInto(pin, out), /v15\/bin\/postmaster/);
  });

  it('refuses version keys other than a major number before deleting anything', async () => {
    const { out, victim } = arena();
    const evil = versionManifest(15, []);
    const manifest = manifestFor(GOOD_FILES, { '/../../victim': evil });
    const pin = await pinFor(await zstdCompress(await tarOf(goodEntries(manifest))), manifest);
    await expectUserError(fetchInto(pin, out), /\/\.\.\/\.\.\/victim/);
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('keep');
  });

  it('refuses duplicate paths (a second manifest.json after the checked one)', async () => {
    const { out } = arena();
    const manifest = manifestFor(GOOD_FILES);
    const entries: RawEntry[] = [
      ...goodEntries(manifest),
      { name: 'manifest.json', type: 'file', data: JSON.stringify({ ...manifest, platform: 'evil-x' }) },
    ];
    const pin = await pinFor(await zstdCompress(await tarOf(entries)), manifest);
    await expectUserError(fetchInto(pin, out), /more than once|duplicate/);
  });
});

describe('fetch swaps --out atomically', () => {
  it('leaves no major of the old bundle behind that the new one does not carry', async () => {
    const { out } = arena();
    const v16 = versionManifest(16, [
      { path: 'v16/bin/postgres', sha256: sha256('16'), size: 2, mode: '0644' },
    ]);
    const both = manifestFor(GOOD_FILES, { '16': v16 });
    const entries: RawEntry[] = [
      ...goodEntries(both),
      { name: 'v16/', type: 'directory' },
      { name: 'v16/bin/', type: 'directory' },
      { name: 'v16/bin/postgres', type: 'file', data: '16' },
    ];
    await fetchInto(
      await pinFor(await zstdCompress(await tarOf(entries)), both, undefined, ['15', '16']),
      out,
    );
    expect(existsSync(join(out, 'v16/bin/postgres'))).toBe(true);
    await fetchInto(
      await pinFor(await zstdCompress(await tarOf(goodEntries())), manifestFor(GOOD_FILES)),
      out,
    );
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'v15']);
  });

  it('removes what an interrupted run left beside --out on the next run', async () => {
    const { parent, out } = arena();
    const leftover = join(parent, '.out.pg-bundle-staging-12345');
    mkdirSync(join(leftover, 'v15'), { recursive: true });
    await fetchInto(
      await pinFor(await zstdCompress(await tarOf(goodEntries())), manifestFor(GOOD_FILES)),
      out,
    );
    expect(existsSync(leftover)).toBe(false);
    expect(readFileSync(join(out, 'v15/bin/postgres'), 'utf8')).toBe('postgres 15\n');
  });
});

describe('fetch recovers and refuses what it did not write', () => {
  it('puts the old bundle back when a run died between its two renames', async () => {
    const { parent, out } = arena();
    const old = join(parent, '.out.pg-bundle-old-0badc0de');
    mkdirSync(join(old, 'v15'), { recursive: true });
    writeFileSync(join(old, 'manifest.json'), 'old');
    const pin = await pinFor(Buffer.from('not the pinned asset'), manifestFor(GOOD_FILES));
    const pinText = JSON.parse(readFileSync(pin, 'utf8')) as Record<string, unknown>;
    writeFileSync(pin, JSON.stringify({ ...pinText, sha256: '0'.repeat(64) }));
    await expectUserError(fetchInto(pin, out), /sha256/);
    expect(readFileSync(join(out, 'manifest.json'), 'utf8')).toBe('old');
    expect(readdirSync(parent).sort()).toEqual(['out', 'victim']);
  });

  it('refuses to replace a real --out that holds files it did not write', async () => {
    const { out } = arena();
    mkdirSync(join(out, 'build'), { recursive: true });
    writeFileSync(join(out, 'build', 'precious'), 'x');
    const pin = await pinFor(await zstdCompress(await tarOf(goodEntries())), manifestFor(GOOD_FILES));
    await expectUserError(fetchInto(pin, out), /holds build, which fetch did not write/);
    expect(readFileSync(join(out, 'build', 'precious'), 'utf8')).toBe('x');
  });

  it('replaces a directory an older fetch unpacked into --out', async () => {
    const { parent, out } = arena();
    mkdirSync(join(out, 'v14/bin'), { recursive: true });
    writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifestFor(GOOD_FILES)));
    const pin = await pinFor(await zstdCompress(await tarOf(goodEntries())), manifestFor(GOOD_FILES));
    await fetchInto(pin, out);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'v15']);
    expect(readdirSync(parent).filter((n) => n.includes('old')).length).toBe(0);
  });

  it("never replaces a pg_distrib_dir of one's own build (vNN/ without pg-bundle's manifest)", async () => {
    const { out } = arena();
    mkdirSync(join(out, 'v14/bin'), { recursive: true });
    writeFileSync(join(out, 'v14/bin/postgres'), 'my own build');
    const pin = await pinFor(await zstdCompress(await tarOf(goodEntries())), manifestFor(GOOD_FILES));
    await expectUserError(fetchInto(pin, out), /holds v14 but no manifest.json of pg-bundle/);
    expect(readFileSync(join(out, 'v14/bin/postgres'), 'utf8')).toBe('my own build');
  });
});

describe('fetch sends the token only to GitHub over https', () => {
  it('does not send Authorization to a plain-http host named by the pin', async () => {
    const seen: (string | undefined)[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.statusCode = 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const manifest = manifestFor(GOOD_FILES);
      const dir = tempDir('pgb-pin-');
      const pinPath = await pinFor(Buffer.from('x'), manifest, dir);
      const pin = JSON.parse(readFileSync(pinPath, 'utf8')) as Record<string, unknown>;
      writeFileSync(pinPath, JSON.stringify({ ...pin, assetUrl: `http://127.0.0.1:${port}/bundle.tar.zst` }));
      await expect(fetchInto(pinPath, join(dir, 'out'), 'ghp_secret')).rejects.toThrow(UserError);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((h) => h === undefined)).toBe(true);
    } finally {
      server.close();
    }
  });

  it('names GitHub download hosts and the API origin, https only', () => {
    const api = 'https://ghe.example.com/api/v3';
    expect(tokenMayGoTo('https://github.com/o/r/releases/download/t/a', undefined)).toBe(true);
    expect(tokenMayGoTo('https://objects.githubusercontent.com/x', undefined)).toBe(true);
    expect(tokenMayGoTo('https://release-assets.githubusercontent.com/x', undefined)).toBe(true);
    expect(tokenMayGoTo('https://ghe.example.com/o/r/releases/download/t/a', api)).toBe(true);
    expect(tokenMayGoTo('http://github.com/o/r', undefined)).toBe(false);
    expect(tokenMayGoTo('https://github.com.evil.example/x', undefined)).toBe(false);
    expect(tokenMayGoTo('https://evil.example/x', api)).toBe(false);
    expect(tokenMayGoTo('https://user@github.com/x', undefined)).toBe(false);
  });

  it('accepts only https, file and loopback http URLs in the pin schema', () => {
    const base = pinFromManifest(
      manifestFor(GOOD_FILES),
      releaseOf({
        repository: 'o/r',
        tag: 't',
        releaseUrl: 'https://github.com/o/r/releases/tag/t',
        assetName: 'a.tar.zst',
        assetUrl: 'https://github.com/o/r/releases/download/t/a.tar.zst',
        sha256: '0'.repeat(64),
      }),
    );
    expect(pinProblems(base)).toEqual([]);
    expect(pinProblems(withBundle(base, { assetUrl: 'file:///tmp/a.tar.zst' }))).toEqual([]);
    expect(pinProblems(withBundle(base, { assetUrl: 'http://127.0.0.1:8080/a' }))).toEqual([]);
    for (const bad of ['http://evil.example/a', 'ftp://github.com/a', 'javascript:alert(1)', 'gopher://x/a'])
      expect(pinProblems(withBundle(base, { assetUrl: bad })).join(' ')).toMatch(/assetUrl/);
    expect(pinProblems(withBundle(base, { manifestUrl: 'http://evil.example/m' })).join(' ')).toMatch(
      /manifestUrl/,
    );
  });
});

describe('fetch memory is bounded by what the pin declares', () => {
  it('stops a small asset that decompresses to 256 MiB without holding it', async () => {
    const bomb = zstdBomb(256 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(16 * 1024);
    const { out } = arena();
    const pin = await pinFor(bomb, manifestFor(GOOD_FILES));
    global.gc?.();
    const before = process.memoryUsage().rss;
    await expectUserError(fetchInto(pin, out), /larger than|exceeds|declares/);
    const grown = process.memoryUsage().rss - before;
    expect(grown).toBeLessThan(64 * 1024 * 1024);
  });

  it('stops a frame that does not declare its size as soon as the output passes what the pin allows', async () => {
    const { out } = arena();
    const pin = await pinFor(zstdBomb(256 * 1024 * 1024, false), manifestFor(GOOD_FILES));
    const peak = await peakRssGrowth(() => expectUserError(fetchInto(pin, out), /decompresses to more than/));
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });

  it('unpacks a bundle with a 96 MiB file without holding the decompressed archive', async () => {
    const big = Buffer.alloc(96 * 1024 * 1024);
    const files = { ...GOOD_FILES, 'v15/big': big.toString('latin1') };
    const manifest = manifestFor(files);
    const entries: RawEntry[] = [...goodEntries(manifest), { name: 'v15/big', type: 'file', data: big }];
    const pin = await pinFor(await zstdCompress(await tarOf(entries), 3), manifest);
    const { out } = arena();
    const peak = await peakRssGrowth(() => fetchInto(pin, out));
    expect(statSync(join(out, 'v15/big')).size).toBe(big.length);
    // the old fetch decompressed the whole archive into one buffer first (+96 MiB at least)
    expect(peak).toBeLessThan(64 * 1024 * 1024);
  });
});

/** The largest growth of this process's resident memory while `fn` runs (sampled every 2 ms). */
async function peakRssGrowth(fn: () => Promise<unknown>): Promise<number> {
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - before)), 2);
  try {
    await fn();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage().rss - before);
}

describe('fetch errors are one clear line, never a stack', () => {
  const cases: [string, () => Promise<string>, RegExp][] = [
    ['a pin file of null', async () => pinText('null'), /pin|schema|object/],
    [
      'a version that is null',
      async () => {
        const pin = JSON.parse(readFileSync(await pinFor(Buffer.from('x'), manifestFor(GOOD_FILES)), 'utf8'));
        return pinText(JSON.stringify({ ...pin, versions: { '15': null } }));
      },
      /versions\/15/,
    ],
    [
      'a missing file:// asset',
      async () => {
        const pinPath = await pinFor(Buffer.from('x'), manifestFor(GOOD_FILES));
        const pin = JSON.parse(readFileSync(pinPath, 'utf8'));
        writeFileSync(
          pinPath,
          JSON.stringify({ ...pin, assetUrl: 'file:///nonexistent/pgb/bundle.tar.zst' }),
        );
        return pinPath;
      },
      /nonexistent\/pgb\/bundle\.tar\.zst/,
    ],
    [
      'a manifest that is not JSON',
      async () =>
        pinFor(
          await zstdCompress(await tarOf([{ name: 'manifest.json', type: 'file', data: '{not json' }])),
          manifestFor(GOOD_FILES),
        ),
      /manifest\.json is not valid JSON/,
    ],
    [
      'a manifest without versions',
      async () =>
        pinFor(
          await zstdCompress(
            await tarOf([
              { name: 'manifest.json', type: 'file', data: JSON.stringify({ schemaVersion: 1, tool: {} }) },
            ]),
          ),
          manifestFor(GOOD_FILES),
        ),
      /not a pg-bundle manifest/,
    ],
    [
      'a file that replaces a directory',
      async () => {
        const manifest = manifestFor({ ...GOOD_FILES, 'v15/bin': 'x' });
        const entries = [...goodEntries(manifest), { name: 'v15/bin', type: 'file', data: 'x' } as RawEntry];
        return pinFor(await zstdCompress(await tarOf(entries)), manifest);
      },
      /v15\/bin/,
    ],
  ];
  it.each(cases)('%s', async (_name, makePin, pattern) => {
    const out = join(tempDir('pgb-err-'), 'out');
    await expectUserError(fetchInto(await makePin(), out), pattern);
    expect(existsSync(out)).toBe(false);
  });
});

function pinText(text: string): string {
  const path = join(tempDir('pgb-pin-'), 'postgres-bundle.json');
  writeFileSync(path, text);
  return path;
}

describe("fetch refuses a bundle that does not provide what the storage service's pin requires", () => {
  async function pinRequiring(
    walredo: Record<string, unknown>,
    requires: unknown,
  ): Promise<{ pin: string; out: string }> {
    const manifest = manifestFor(GOOD_FILES);
    (manifest.versions['15'] as unknown as Record<string, unknown>).walredo = walredo;
    const asset = await zstdCompress(await tarOf(goodEntries(manifest)));
    const pinPath = await pinFor(asset, manifest);
    const pin = JSON.parse(readFileSync(pinPath, 'utf8'));
    writeFileSync(pinPath, JSON.stringify({ ...pin, requires }));
    return { pin: pinPath, out: arena().out };
  }
  const BUILTIN = { mode: 'builtin', modules: ['pg_bundle_walredo'], rmgrs: { builtin: [0, 1], custom: [] } };
  const FORK = { mode: 'fork', modules: ['neon_walredo'], rmgrs: { builtin: [0, 1], custom: [134] } };

  it('a builtin bundle where the pin requires fork mode and custom rmgr 134', async () => {
    const { pin, out } = await pinRequiring(BUILTIN, { walredo: { mode: 'fork', customRmgrs: [134] } });
    await expectUserError(
      fetchInto(pin, out),
      /^the pinned bundle bundle-1 does not provide what the pin requires: v15: walredo mode is builtin, the pin requires fork; v15: walredo does not replay custom resource manager 134 \(it replays none\)/,
    );
    expect(existsSync(out)).toBe(false);
  });
  it('a fork bundle that replays rmgr 134 is fetched', async () => {
    const { pin, out } = await pinRequiring(FORK, { walredo: { mode: 'fork', customRmgrs: [134] } });
    await fetchInto(pin, out);
    expect(readFileSync(join(out, 'v15/bin/postgres'), 'utf8')).toBe(GOOD_FILES['v15/bin/postgres']);
  });
  it('a hostile walredo record reads as absent, not as a crash', async () => {
    const { pin, out } = await pinRequiring(
      { mode: 'fork', modules: 7, rmgrs: { builtin: 'x', custom: null } },
      { walredo: { customRmgrs: [134] } },
    );
    await expectUserError(
      fetchInto(pin, out),
      /custom resource manager 134 is required, but verify did not measure/,
    );
  });
});

describe('the API is sent the token only over https (or to this machine)', () => {
  it.each([
    [undefined, true],
    ['https://api.github.com', true],
    ['https://ghe.example.com/api/v3', true],
    ['http://127.0.0.1:8080', true],
    ['http://ghe.internal/api/v3', false],
    ['not a url', false],
  ])('%s → %s', (apiUrl, allowed) => {
    expect(apiTakesToken(apiUrl)).toBe(allowed);
  });
});
