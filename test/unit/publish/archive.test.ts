import { chmodSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemblePublishInput } from '../../support/publish-input';
import { retryDecision, DEFAULT_RETRY } from '../../../src/github/retry';
import { defaultTag, validateTag } from '../../../src/publish/tag';
import { buildBundleArchive } from '../../../src/publish/prepare';
import { renderReleaseBody } from '../../../src/publish/release-body';
import { sha256 } from '../../../src/util/hash';
import { makeArtifactDir, tempDir, unpackArchive } from './helpers';

describe('bundle archive', () => {
  it('is byte-for-byte deterministic, whatever the files on disk say about time and permissions', async () => {
    const a = tempDir();
    const b = tempDir();
    makeArtifactDir(a, [15, 16]);
    makeArtifactDir(b, [15, 16]);
    utimesSync(join(b, 'v15/bin/initdb'), new Date('2001-01-01'), new Date('2001-01-01'));
    chmodSync(join(b, 'v16/share/postgresql/postgres.bki'), 0o600);
    chmodSync(join(b, 'v16/bin/postgres'), 0o700);
    const first = await buildBundleArchive(assemblePublishInput([a]));
    const second = await buildBundleArchive(assemblePublishInput([b]));
    expect(sha256(second)).toBe(sha256(first));

    const entries = await unpackArchive(first);
    const paths = entries.map((e) => e.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths.slice(0, 3)).toEqual(['manifest.json', 'v15', 'v15/bin']);
    expect(entries.find((e) => e.path === 'v16/bin/postgres')?.mode).toBe(0o755);
    expect(entries.find((e) => e.path === 'v16/share/postgresql/postgres.bki')?.mode).toBe(0o644);
  });

  it('merges matrix artifacts (one version each) into one archive', async () => {
    const a = tempDir();
    const b = tempDir();
    makeArtifactDir(a, [15]);
    makeArtifactDir(b, [17]);
    const input = assemblePublishInput([b, a]);
    expect(Object.keys(input.manifest.versions)).toEqual(['15', '17']);
    expect(input.versionDirs.map((v) => v.major)).toEqual(['15', '17']);
    const entries = await unpackArchive(await buildBundleArchive(input));
    expect(entries.filter((e) => e.path.endsWith('bin/postgres')).map((e) => e.path)).toEqual([
      'v15/bin/postgres',
      'v17/bin/postgres',
    ]);
    expect(() => assemblePublishInput([a, a])).toThrow(/are both linux-x86_64 bundles of PostgreSQL 15/);
  });

  it('refuses to pack files that do not match the manifest', async () => {
    const a = tempDir();
    makeArtifactDir(a, [15]);
    writeFileSync(join(a, 'v15/bin/initdb'), 'tampered');
    await expect(buildBundleArchive(assemblePublishInput([a]))).rejects.toThrow(/v15\/bin\/initdb: changed/);
  });

  it('refuses a vNN directory the manifest does not describe', () => {
    const b = tempDir();
    makeArtifactDir(b, [15]);
    mkdirSync(join(b, 'v16'));
    expect(() => assemblePublishInput([b])).toThrow(/v16 is not described/);
  });
});

describe('pure helpers', () => {
  it('names tags and assets', () => {
    const a = tempDir();
    const manifest = makeArtifactDir(a, [15]);
    // the content digest of the files, whatever the source revision
    expect(defaultTag(manifest)).toMatch(/^bundle-15\.4-[0-9a-f]{7}$/);
    const tag = defaultTag(manifest);
    manifest.versions['15'].source.revision = 'A1B2C3D4e5f6-dirty';
    expect(defaultTag(manifest)).toBe(tag);
    manifest.versions['15'].files[0].sha256 = '0'.repeat(64);
    expect(defaultTag(manifest)).not.toBe(tag);
    const two = makeArtifactDir(tempDir(), [15, 16]);
    expect(defaultTag(two)).toMatch(/^bundle-15\.4-16\.4-[0-9a-f]{7}$/);
    // no date in the tag: the same files give the same release on any day
    expect(defaultTag(two)).toBe(defaultTag(makeArtifactDir(tempDir(), [15, 16])));
    expect(validateTag('bundle-20250304-abc1234')).toBe('bundle-20250304-abc1234');
    for (const bad of ['-x', 'a b', 'a..b', 'x.lock', 'a/b', ''])
      expect(() => validateTag(bad)).toThrow(/not allowed/);
  });

  it('renders a readable release body', () => {
    const manifest = makeArtifactDir(tempDir(), [15, 16]);
    const body = renderReleaseBody(manifest, 'bundle-x', [
      { name: 'manifest.json', size: 2048, sha256: 'f'.repeat(64) },
    ]);
    expect(body).toContain('## pg-bundle bundle-x');
    expect(body).toContain(
      '| 15 | 15.4 | rev15abcdef0123 | static | 72.1 | 2.36 | C.UTF-8 / c | builtin | 1 pass, 0 fail, 1 skip |',
    );
    expect(body).toContain('**Conformance:** 2 passed, 0 failed, 2 skipped');
    expect(body).toContain('| `manifest.json` | 2.0 KiB |');
  });

  const now = 1_700_000_000_000;
  const h = (headers: Record<string, string>) => ({ headers });
  it.each([
    ['502 → backoff', { status: 502, response: h({}) }, 1, { retry: true, delayMs: 1000 }],
    ['503, 3rd retry → doubled backoff', { status: 503, response: h({}) }, 3, { retry: true, delayMs: 4000 }],
    [
      'network failure → backoff',
      { status: 500, message: 'other side closed' },
      1,
      { retry: true, delayMs: 1000 },
    ],
    [
      'secondary limit with retry-after',
      { status: 403, response: h({ 'retry-after': '3' }) },
      1,
      { retry: true, delayMs: 3000 },
    ],
    [
      '429 with retry-after',
      { status: 429, response: h({ 'retry-after': '1' }) },
      2,
      { retry: true, delayMs: 1000 },
    ],
    [
      'primary limit → until reset',
      {
        status: 403,
        response: h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 5) }),
      },
      1,
      { retry: true, delayMs: 6000 },
    ],
    [
      'reset too far away → give up',
      {
        status: 403,
        response: h({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(now / 1000 + 3600) }),
      },
      1,
      { retry: false },
    ],
    [
      'permission 403 → no retry',
      { status: 403, message: 'Resource not accessible by integration', response: h({}) },
      1,
      { retry: false },
    ],
    ['422 → no retry', { status: 422, response: h({}) }, 1, { retry: false }],
    ['too many attempts', { status: 502, response: h({}) }, 5, { retry: false }],
  ])('retryDecision: %s', (_name, err, attempt, expected) => {
    expect(retryDecision(err, attempt as number, DEFAULT_RETRY, now)).toMatchObject(expected as object);
  });
});

describe('publishing is gated on conformance', () => {
  test('a version without a conformance report is refused', () => {
    const dir = tempDir();
    const manifest = makeArtifactDir(dir, [15]);
    delete manifest.versions['15'].conformance;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(() => assemblePublishInput([dir])).toThrow(/has no conformance report .* never verified/);
  });
  test('a version with a failed check is refused, naming the check', () => {
    const dir = tempDir();
    const manifest = makeArtifactDir(dir, [15]);
    manifest.versions['15'].conformance!.checks.push({
      name: 'elf-static',
      status: 'fail',
      detail: 'PT_INTERP',
    });
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    expect(() => assemblePublishInput([dir])).toThrow(/PostgreSQL 15 failed conformance \(elf-static\)/);
  });
});
