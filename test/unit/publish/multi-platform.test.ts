/**
 * One release, one pin, both architectures, against FakeGitHub (a FAKE of GitHub's REST API,
 * validated against its published description): publish takes the artifacts of two platforms
 * (refusing, before any call, ones that cannot be one release), pin-bump writes a pin with a
 * bundle per platform and a Risk section on what differs between them, and fetch takes the bundle
 * of the platform asked for, refusing a pin without it and an asset holding the other platform's.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest } from '../../../src/core/manifest';
import { parsePin } from '../../../src/pin/read';
import { PinFile } from '../../../src/pin/types';
import { serialisePin } from '../../../src/pin/write';
import { publishCommand } from '../../../src/publish/command';
import { readReleaseRecord } from '../../../src/release/record';
import { fetchBundle } from '../../../src/fetch/fetch';
import { retryPolicy } from '../../../src/github/retry';
import { parseSha256Sums } from '../../../src/release/checksums';
import { UserError } from '../../../src/util/errors';
import { MemoryLogger } from '../../support/memory-logger';
import { FakeGitHub } from '../../fake-github';
import { bumpAndReadPin, makeArtifactDir, tempDir, testContext } from './helpers';

const RELEASES = 'acme/bundles';
const CONSUMER = 'acme/pageserver';
const TAG = 'bundle-15.4-16.4-multi01';
const X86 = 'linux-x86_64';
const ARM = 'linux-aarch64';

let gh: FakeGitHub;
beforeAll(async () => {
  gh = await FakeGitHub.start();
});
afterAll(() => gh.stop());
beforeEach(() => {
  gh.seedRepo({ repo: RELEASES });
  gh.seedRepo({
    repo: CONSUMER,
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
    knownOwners: ['@acme/storage'],
  });
  gh.requests.length = 0;
});
afterEach(() => gh.assertNoViolations());

/** An artifact directory of `platform`: its files differ from another platform's (the salt), as do its libraries. */
function artifact(platform: string, majors: number[], edit?: (m: Manifest) => void, salt = platform): string {
  const dir = tempDir('pgb-multi-');
  const manifest = makeArtifactDir(dir, majors, salt);
  manifest.platform = platform;
  if (platform === ARM)
    for (const v of Object.values(manifest.versions)) {
      v.toolchain = { ...v.toolchain, glibc: '2.36' };
      v.components = (v.components ?? []).map((c) => ({
        ...c,
        version: '1.2.13.1',
        purl: c.purl.replace('arch=amd64', 'arch=arm64'),
      }));
    }
  edit?.(manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

async function publish(dirs: string[], extra: Record<string, string | boolean> = {}) {
  const ctx = testContext(dirs);
  const out = tempDir('pgb-multi-out-');
  const options = { out, tag: TAG, repository: RELEASES, token: gh.token, apiUrl: gh.baseUrl, ...extra };
  const code = await publishCommand(options, ctx);
  return { code, ctx, out };
}

async function refused(dirs: string[]): Promise<UserError> {
  const err = await publish(dirs).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

function writePin(pin: PinFile | string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pgb-multi-pin-')), 'postgres-bundle.json');
  writeFileSync(path, typeof pin === 'string' ? pin : serialisePin(pin));
  return path;
}

function fetchFor(pinPath: string, outDir: string, arch?: string) {
  return fetchBundle({
    pinPath,
    outDir,
    token: gh.token,
    apiUrl: gh.baseUrl,
    log: new MemoryLogger(),
    retry: retryPolicy({ PG_BUNDLE_RETRY_BASE_MS: '0' }),
    ...(arch ? { arch } : {}),
  });
}

/** Publishes both platforms (x86-64 in two matrix artifacts) and bumps the consumer's pin. */
async function publishAndBump(edit?: (m: Manifest) => void) {
  const dirs = [artifact(ARM, [15, 16], edit), artifact(X86, [16]), artifact(X86, [15])];
  const { code, out } = await publish(dirs);
  expect(code).toBe(0);
  const { pinText } = await bumpAndReadPin(gh, { out, repository: CONSUMER, storageTeam: '@acme/storage' });
  const body = gh.pulls(CONSUMER)[0]?.body ?? '';
  return { out, pinText, pin: parsePin(pinText, 'the bumped pin'), body };
}

describe('publish: one release for several platforms', () => {
  it('uploads a tarball and a manifest per platform; SHA256SUMS, the body and release.json list both', async () => {
    const { out, ctx } = await publish([artifact(ARM, [15]), artifact(X86, [15])]);
    const [release] = gh.releases(RELEASES);
    const assets = gh.assets(RELEASES, release.id);
    expect(assets.map((a) => a.name).sort()).toEqual([
      'SHA256SUMS',
      'manifest-linux-aarch64.json',
      'manifest-linux-x86_64.json',
      'manifest.json',
      `pg-bundle-${TAG}-${ARM}.tar.zst`,
      `pg-bundle-${TAG}-${X86}.tar.zst`,
      'sbom.cdx.json',
    ]);
    const sums = parseSha256Sums(assets.find((a) => a.name === 'SHA256SUMS')!.data.toString('utf8'));
    expect([...sums.keys()].sort()).toEqual(
      assets
        .map((a) => a.name)
        .filter((n) => n !== 'SHA256SUMS')
        .sort(),
    );
    const manifestOf = (name: string) =>
      JSON.parse(assets.find((a) => a.name === name)!.data.toString('utf8')) as Manifest;
    expect(manifestOf('manifest.json').platform).toBe(X86);
    expect(manifestOf('manifest-linux-aarch64.json').platform).toBe(ARM);
    expect(release.body).toContain(`for ${X86} and ${ARM}`);
    expect(release.body).toContain(`### ${ARM}`);
    const record = readReleaseRecord(join(out, 'publish', 'release.json'));
    expect(record.platforms.map((p) => [p.platform, p.assetName, p.manifestName])).toEqual([
      [X86, `pg-bundle-${TAG}-${X86}.tar.zst`, 'manifest-linux-x86_64.json'],
      [ARM, `pg-bundle-${TAG}-${ARM}.tar.zst`, 'manifest-linux-aarch64.json'],
    ]);
    expect(record.platforms.every((p) => p.assetUrl && p.manifestUrl)).toBe(true);
    expect(ctx.log.lines.join('\n')).toContain(`one release for ${X86} and ${ARM}`);
  });

  it('the default tag covers both platforms: another aarch64 bundle is another release', async () => {
    const x86 = artifact(X86, [15]);
    const tagOf = async (dirs: string[]) => {
      const ctx = testContext(dirs);
      await publishCommand({ out: tempDir('pgb-multi-out-'), dryRun: true }, ctx);
      return ctx.outputs.tag;
    };
    const alone = await tagOf([x86]);
    const both = await tagOf([x86, artifact(ARM, [15])]);
    expect(alone).toMatch(/^bundle-15\.4-[0-9a-f]{7}$/);
    expect(both).toMatch(/^bundle-15\.4-[0-9a-f]{7}$/);
    expect(both).not.toBe(alone);
    expect(await tagOf([artifact(ARM, [15]), x86])).toBe(both); // the same files: the same release
    expect(await tagOf([x86, artifact(ARM, [15], undefined, 'rebuilt')])).not.toBe(both);
  });

  it.each<[string, () => string[], RegExp]>([
    [
      'other majors per platform',
      () => [artifact(X86, [15, 16]), artifact(ARM, [15])],
      /^the linux-x86_64 bundle holds PostgreSQL 15, 16 but the linux-aarch64 bundle holds 15: .*\n {2}fix: build every platform with the same --pg/,
    ],
    [
      'another source revision',
      () => [artifact(X86, [15]), artifact(ARM, [15], (m) => (m.versions['15'].source.revision = 'other'))],
      /^the linux-x86_64 bundle has PostgreSQL 15\.4 from dir:\/src\/15 \(revision rev15abcdef0123\) but the linux-aarch64 bundle has PostgreSQL 15\.4 from dir:\/src\/15 \(revision other\): one release is built from one source\n {2}fix: build both platforms from the same --source/,
    ],
    [
      'another PostgreSQL version',
      () => [artifact(X86, [15]), artifact(ARM, [15], (m) => (m.versions['15'].postgres.version = '15.5'))],
      /but the linux-aarch64 bundle has PostgreSQL 15\.5 from/,
    ],
    [
      'two bundles of one platform',
      () => [artifact(ARM, [15]), artifact(ARM, [15])],
      /^\S+ and \S+ are both linux-aarch64 bundles of PostgreSQL 15: a release has one bundle per platform\n {2}fix: pass one linux-aarch64 artifact per major version/,
    ],
  ])('refuses %s in one line, before any call to GitHub or any packing', async (_name, dirs, message) => {
    const err = await refused(dirs());
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(2); // the problem, then the fix
    expect(gh.requests).toEqual([]);
    expect(gh.releases(RELEASES)).toEqual([]);
  });
});

describe('pin-bump: one pin, both architectures', () => {
  it('writes the second form with a bundle per platform, and lists what differs between them', async () => {
    const { pin, pinText, body } = await publishAndBump();
    expect(pinText).toContain('"schemaVersion": 2');
    expect(Object.keys(pin.platforms)).toEqual([X86, ARM]);
    expect(pin.platforms[ARM].assetName).toBe(`pg-bundle-${TAG}-${ARM}.tar.zst`);
    expect(pin.platforms[ARM].manifestUrl).toMatch(/manifest-linux-aarch64\.json$/);
    expect(pin.platforms[ARM].sha256).not.toBe(pin.platforms[X86].sha256);
    expect(body).toContain(`### Between the architectures of this release (${X86}, ${ARM})`);
    expect(body).toContain(
      `| v15 | zlib | \`1.2.13 (zlib1g-dev 1:1.2.13.dfsg-1)\` | \`1.2.13.1 (zlib1g-dev 1:1.2.13.dfsg-1)\` |`,
    );
    expect(body).toMatch(/\| v16 \| bundle size \| `[\d,]+ bytes` \| `[\d,]+ bytes` \|/);
    expect(body).toContain('- v15: cross-architecture equality **not measured**');
    expect(body).toContain(`- Bundle (${ARM}): [\`pg-bundle-${TAG}-${ARM}.tar.zst\`]`);
  });

  it("shows the cross-architecture result verify recorded in a platform's manifest", async () => {
    const { body } = await publishAndBump((m) => {
      const conformance = m.versions['15'].conformance!;
      conformance.crossArchitecture = {
        comparedWith: X86,
        initdbIdentical: true,
        initdbFilesCompared: 812,
        pagesCompared: 640,
        pagesDiffering: 0,
      };
    });
    expect(body).toContain(
      `- ✅ v15: ${ARM} against ${X86}: initdb identical (812 files compared); 640 walredo pages compared, 0 differ`,
    );
    expect(body).toContain('- v16: cross-architecture equality **not measured**');
  });
});

describe('fetch: the bundle of the platform asked for', () => {
  it.each<[string | undefined, string]>([
    [undefined, X86], // this machine (the tests run on x86-64)
    ['x86_64', X86],
    ['aarch64', ARM],
    ['arm64', ARM],
    ['linux-aarch64', ARM],
  ])('--arch %s fetches the %s bundle', async (arch, platform) => {
    if (arch === undefined && process.arch !== 'x64') return;
    const { pinText } = await publishAndBump();
    const dest = join(tempDir('pgb-multi-dest-'), 'distrib');
    const result = await fetchFor(writePin(pinText), dest, arch);
    expect(result.platform).toBe(platform);
    const manifest = JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.platform).toBe(platform);
    // the salt of the platform's artifacts is in its postgres
    expect(readFileSync(join(dest, 'v15/bin/postgres'), 'utf8')).toContain(platform);
  });

  it('refuses in one line a pin without a bundle for the platform, naming the ones it has', async () => {
    const { pin } = await publishAndBump();
    const onlyArm: PinFile = { ...pin, platforms: { [ARM]: pin.platforms[ARM] } };
    const dest = join(tempDir('pgb-multi-dest-'), 'distrib');
    const err = await fetchFor(writePin(onlyArm), dest, 'x86_64').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^pin file \\S+ pins ${TAG} without a bundle for linux-x86_64 \\(it has linux-aarch64\\)\\n {2}fix: pin-bump a release published with the linux-x86_64 artifacts too, or pass --arch aarch64 to fetch the linux-aarch64 bundle$`,
      ),
    );
    expect(existsSync(dest)).toBe(false);
  });

  it('refuses an unknown --arch in one line', async () => {
    const { pinText } = await publishAndBump();
    await expect(fetchFor(writePin(pinText), tempDir(), 'riscv64')).rejects.toThrow(
      /^--arch riscv64 names no platform pg-bundle supports\n {2}fix: pass --arch x86_64 or --arch aarch64$/,
    );
  });

  it.each<[string, string, string]>([
    ['an x86-64 bundle fetched for an aarch64 host', ARM, X86],
    ['an aarch64 bundle fetched for an x86-64 host', X86, ARM],
  ])('refuses %s, leaving the out directory as it was', async (_name, asked, inside) => {
    const { pin } = await publishAndBump();
    // the pin's entry for `asked` names the other platform's asset (its sha256 matches: only the content tells)
    const swapped: PinFile = { ...pin, platforms: { ...pin.platforms, [asked]: pin.platforms[inside] } };
    const parent = tempDir('pgb-multi-dest-');
    const dest = join(parent, 'distrib');
    const arch = asked === ARM ? 'aarch64' : 'x86_64';
    await fetchFor(writePin(pin), dest, arch); // what was there before: the right bundle
    const before = readFileSync(join(dest, 'v15/bin/postgres'), 'utf8');
    // --out names its bundle in a sibling directory (src/fetch/swap.ts): those two entries, and nothing else
    const entries = readdirSync(parent).sort();
    expect(entries).toHaveLength(2);
    const err = await fetchFor(writePin(swapped), dest, arch).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^the bundle does not match its manifest or the pin: the bundle is built for ${inside}, the pin's ${asked} asset must hold a ${asked} bundle\n {2}fix: `,
      ),
    );
    expect(readFileSync(join(dest, 'v15/bin/postgres'), 'utf8')).toBe(before);
    expect((JSON.parse(readFileSync(join(dest, 'manifest.json'), 'utf8')) as Manifest).platform).toBe(asked);
    expect(readdirSync(parent).sort()).toEqual(entries); // nothing written beside it, nothing half-swapped
  });
});
