/**
 * Property-based tests (fast-check) of fetch over hostile archives, manifests and interruptions,
 * bounded for CI (a fixed seed per run is printed by fast-check on failure): nothing outside --out is
 * touched, every failure is a UserError without a stack, and --out is the old or the new bundle.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Manifest } from '../../../src/core/manifest';
import { fetchBundle } from '../../../src/fetch/fetch';
import { SwapStep } from '../../../src/fetch/swap';
import { zstdCompress } from '../../../src/publish/zstd';
import { UserError } from '../../../src/util/errors';
import { sha256 } from '../../../src/util/hash';
import { MemoryLogger } from '../../support/memory-logger';
import { tempDir, versionManifest } from '../publish/helpers';
import { manifestFor, pinFor, RawEntry, tarOf } from './hostile-bundles';

const RUNS = Number(process.env.PG_BUNDLE_FUZZ_RUNS ?? 200);

/** grand/{victim/keep, parent/{victim/keep, out}}: what must stay as it is, whatever the archive. */
function arena(): { grand: string; parent: string; out: string } {
  const grand = tempDir('pgb-fuzz-');
  const parent = join(grand, 'parent');
  for (const d of [grand, parent]) {
    mkdirSync(join(d, 'victim'), { recursive: true });
    writeFileSync(join(d, 'victim', 'keep'), 'keep');
  }
  return { grand, parent, out: join(parent, 'out') };
}

function expectUntouched(grand: string, parent: string): void {
  expect(readdirSync(grand).sort()).toEqual(['parent', 'victim']);
  for (const d of [grand, parent]) {
    expect(readdirSync(join(d, 'victim'))).toEqual(['keep']);
    expect(readFileSync(join(d, 'victim', 'keep'), 'utf8')).toBe('keep');
  }
  const names = readdirSync(parent).filter((n) => n !== 'victim' && n !== 'out');
  const out = join(parent, 'out');
  const target = existsSync(out) && lstatSync(out).isSymbolicLink() ? readlinkSync(out) : undefined;
  expect(names).toEqual(target ? [target] : []);
}

function expectCleanFailure(err: unknown): void {
  expect(err).toBeInstanceOf(UserError);
  const message = (err as Error).message;
  expect(message.split('\n')[0].length).toBeGreaterThan(0);
  expect(message).not.toMatch(/\n\s+at /);
}

async function attempt(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

const segment = fc.constantFrom('v15', 'v16', 'bin', 'x', 'up', '..', '.', '', 'manifest.json', 'victim');
const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
const entry: fc.Arbitrary<RawEntry> = fc.record({
  name: fc.oneof(
    path,
    path.map((p) => `${p}/`),
    path.map((p) => `/${p}`),
  ),
  type: fc.constantFrom<RawEntry['type']>('file', 'directory', 'symlink'),
  data: fc.constantFrom('a', 'bb', ''),
  linkname: fc.oneof(path, fc.constantFrom('../../..', 'up/../../..', '/etc', '..')),
});
const versionKey = fc.constantFrom('16', '/../../victim', '../victim', 'v16', '15/../..', '0', '1e1', '');

describe('fetch under hostile input (fast-check)', () => {
  it('never touches a path outside --out, and fails only with a UserError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 8 }),
        fc.array(versionKey, { maxLength: 2 }),
        fc.boolean(),
        async (entries, keys, listFiles) => {
          const { grand, parent, out } = arena();
          const files = Object.fromEntries(
            listFiles
              ? entries
                  .filter((e) => e.type === 'file')
                  .map((e) => [e.name.replace(/^\/+/, ''), String(e.data)] as [string, string])
              : [],
          );
          const extra = Object.fromEntries(keys.map((k) => [k, versionManifest(16, [])]));
          const manifest = manifestFor(files, extra);
          const archive = [
            { name: 'manifest.json', type: 'file', data: JSON.stringify(manifest) } as RawEntry,
            ...entries,
          ];
          const pin = await pinFor(await zstdCompress(await tarOf(archive)), manifest);
          const err = await attempt(fetchBundle({ pinPath: pin, outDir: out, log: new MemoryLogger() }));
          if (err) expectCleanFailure(err);
          expectUntouched(grand, parent);
        },
      ),
      { numRuns: RUNS },
    );
  }, 60_000);
});

/** A bundle of v15 (and v16 when `salt` is "new"), as archive and manifest. */
async function bundle(
  salt: string,
): Promise<{ asset: Buffer; manifest: Manifest; files: Record<string, string> }> {
  const files: Record<string, string> = {
    'v15/bin/postgres': `postgres ${salt}\n`,
    'v15/share/postgres.bki': `bki ${salt}\n`,
  };
  if (salt === 'new') files['v16/bin/postgres'] = 'postgres 16\n';
  const v16 = Object.entries(files).filter(([p]) => p.startsWith('v16/'));
  const manifest = manifestFor(
    Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith('v15/'))),
    v16.length
      ? {
          '16': versionManifest(
            16,
            v16.map(([p, c]) => ({ path: p, sha256: sha256(c), size: c.length, mode: '0644' })),
          ),
        }
      : {},
  );
  const entries: RawEntry[] = [
    { name: 'manifest.json', type: 'file', data: JSON.stringify(manifest) },
    ...Object.entries(files).map(([name, data]) => ({ name, type: 'file' as const, data })),
  ];
  return { asset: await zstdCompress(await tarOf(entries)), manifest, files };
}

/** Every file under `dir` (through the --out link), path → content. */
function contentOf(dir: string, rel = ''): Record<string, string> {
  const found: Record<string, string> = {};
  for (const name of readdirSync(join(dir, rel))) {
    const p = rel ? `${rel}/${name}` : name;
    if (lstatSync(join(dir, p)).isDirectory()) Object.assign(found, contentOf(dir, p));
    else found[p] = readFileSync(join(dir, p), 'utf8');
  }
  return found;
}

describe('fetch interrupted anywhere (fast-check)', () => {
  it('leaves --out holding the complete old or the complete new bundle, and the next run cleans up', async () => {
    const bundles = [await bundle('old'), await bundle('new')];
    const expected = (b: (typeof bundles)[number]) => ({
      ...b.files,
      'manifest.json': JSON.stringify(b.manifest),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('absent', 'link', 'legacy directory'),
        fc.constantFrom<SwapStep | 'corrupt' | 'none'>('linked', 'moved-old', 'swapped', 'corrupt', 'none'),
        fc.boolean(),
        async (start, fault, downgrade) => {
          // upgrading adds v16, downgrading drops it: a major absent from the new bundle must go
          const [old, next] = downgrade ? [bundles[1], bundles[0]] : bundles;
          const { grand, parent, out } = arena();
          if (start === 'link')
            await fetchBundle({
              pinPath: await pinFor(old.asset, old.manifest, undefined, Object.keys(old.manifest.versions)),
              outDir: out,
              log: new MemoryLogger(),
            });
          if (start === 'legacy directory')
            for (const [p, c] of Object.entries(expected(old))) {
              mkdirSync(join(out, p, '..'), { recursive: true });
              writeFileSync(join(out, p), c);
            }
          let asset = next.asset;
          if (fault === 'corrupt') {
            // a damaged file late in the archive: found only after earlier files were written
            const tar = await tarOf([
              { name: 'manifest.json', type: 'file', data: JSON.stringify(next.manifest) },
              ...Object.entries(next.files).map(([name, data]) => ({
                name,
                type: 'file' as const,
                data: name === 'v15/share/postgres.bki' ? data.toUpperCase() : data,
              })),
            ]);
            asset = await zstdCompress(tar);
          }
          const err = await attempt(
            fetchBundle({
              pinPath: await pinFor(asset, next.manifest, undefined, Object.keys(next.manifest.versions)),
              outDir: out,
              log: new MemoryLogger(),
              faults: (step) => {
                if (step === fault) throw new UserError(`interrupted at ${step}`);
              },
            }),
          );
          if (err) expectCleanFailure(err);
          if (start === 'absent' && err && fault !== 'swapped') expect(existsSync(out)).toBe(false);
          else expect([expected(old), expected(next)]).toContainEqual(contentOf(out));
          await fetchBundle({
            pinPath: await pinFor(next.asset, next.manifest, undefined, Object.keys(next.manifest.versions)),
            outDir: out,
            log: new MemoryLogger(),
          });
          expect(contentOf(out)).toEqual(expected(next));
          expectUntouched(grand, parent);
        },
      ),
      { numRuns: Math.min(RUNS, 60) },
    );
  }, 60_000);
});
