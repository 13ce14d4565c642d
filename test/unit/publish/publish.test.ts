/**
 * publish and fetch end to end against FakeGitHub (a fake of GitHub's API validated against
 * @octokit/openapi), with the real Octokit, on small synthetic bundles.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../../../src/core/manifest';
import { pinFromManifest } from '../../../src/pin/write';
import { fetchCommand } from '../../../src/fetch/command';
import { publishCommand } from '../../../src/publish/command';
import { readReleaseRecord } from '../../../src/release/record';
import { FakeGitHub } from '../../fake-github';
import { makeArtifactDir, tempDir, testContext } from './helpers';
import { releaseOf, versionsOf, withBundle } from '../../support/pins';

const REPO = 'acme/pg-bundle-releases';
const TAG = 'bundle-20250101-abc1234';
const TARBALL = `pg-bundle-${TAG}-linux-x86_64.tar.zst`;

describe('publish and fetch against FakeGitHub', () => {
  let gh: FakeGitHub;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    gh = await FakeGitHub.start();
  });
  afterAll(() => gh.stop());
  beforeEach(() => {
    gh.seedRepo({ repo: REPO });
    gh.requests.length = 0;
    delete process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_REPOSITORY;
    process.env.PG_BUNDLE_RETRY_BASE_MS = '20';
  });
  afterEach(() => {
    process.env = { ...savedEnv };
    gh.assertNoViolations();
  });

  function bundle(salt = 'a'): string {
    const out = tempDir();
    makeArtifactDir(out, [15], salt);
    return out;
  }

  async function publish(out: string, extra: Record<string, string | boolean> = {}, token = gh.token) {
    const ctx = testContext();
    const code = await publishCommand(
      { out, tag: TAG, repository: REPO, token, apiUrl: gh.baseUrl, ...extra },
      ctx,
    );
    return {
      code,
      ctx,
      record: readReleaseRecord(join(out, 'publish', 'release.json')),
    };
  }

  function releaseState() {
    const releases = gh.releases(REPO);
    return releases.map((r) => ({
      draft: r.draft,
      tag: r.tagName,
      assets: gh
        .assets(REPO, r.id)
        .map((a) => `${a.name}:${a.state}`)
        .sort(),
    }));
  }

  const published = [
    {
      draft: false,
      tag: TAG,
      assets: [
        `SHA256SUMS:uploaded`,
        'manifest.json:uploaded',
        `${TARBALL}:uploaded`,
        'sbom.cdx.json:uploaded',
      ],
    },
  ];

  it('publishes once, and a second run with the same assets changes nothing', async () => {
    const out = bundle();
    const first = await publish(out);
    expect(first.code).toBe(0);
    expect(first.record.state).toBe('created');
    expect(releaseState()).toEqual(published);
    expect(first.ctx.secrets).toEqual([gh.token]);
    expect(first.ctx.log.lines.join('\n')).not.toContain(gh.token);
    const body = gh.releases(REPO)[0].body as string;
    expect(body).toContain('| 15 | 15.4 |');
    const sums = readFileSync(join(out, 'publish', 'SHA256SUMS'), 'utf8');
    expect(sums).toContain(`${first.record.sha256}  ${TARBALL}`);

    const writesBefore = gh.requests.filter((r) => r.method !== 'GET').length;
    const second = await publish(out);
    expect(second.record.state).toBe('unchanged');
    expect(gh.requests.filter((r) => r.method !== 'GET').length).toBe(writesBefore);
    expect(releaseState()).toEqual(published);
  });

  it('the published release carries a CycloneDX SBOM: PostgreSQL and the linked-in libraries with purls', async () => {
    const out = bundle();
    await publish(out);
    const [release] = gh.releases(REPO);
    const asset = gh.assets(REPO, release.id).find((a) => a.name === 'sbom.cdx.json');
    expect(asset?.contentType).toBe('application/vnd.cyclonedx+json');
    const sbom = JSON.parse(asset!.data.toString('utf8')) as {
      bomFormat: string;
      specVersion: string;
      components: { name: string; version: string; purl: string }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.specVersion).toBe('1.5');
    expect(sbom.components.map((c) => c.purl).sort()).toEqual([
      'pkg:deb/debian/zlib1g-dev@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12',
      'pkg:generic/postgresql@15.4',
    ]);
    expect(readFileSync(join(out, 'publish', 'SHA256SUMS'), 'utf8')).toContain('  sbom.cdx.json');
  });

  it('completes an interrupted publish (draft with missing assets) instead of duplicating it', async () => {
    const out = bundle();
    // The manifest upload keeps dropping: the first run gives up with a draft holding only the tarball.
    gh.injectFault({ operation: 'repos/upload-release-asset', nth: 2, times: 20, fault: { kind: 'drop' } });
    await expect(publish(out)).rejects.toThrow();
    expect(releaseState()).toEqual([{ draft: true, tag: TAG, assets: [`${TARBALL}:uploaded`] }]);
    gh.clearFaults();

    const second = await publish(out);
    expect(second.record.state).toBe('completed');
    expect(releaseState()).toEqual(published);
    expect(gh.callsTo('repos/create-release')).toHaveLength(1);
  });

  it('refuses a release whose assets differ, and replaces them with --replace', async () => {
    await publish(bundle('a'));
    const other = bundle('b');
    await expect(publish(other)).rejects.toThrow(/already has assets that differ[\s\S]*--replace/);
    expect(gh.callsTo('repos/upload-release-asset').filter((r) => r.status === 201)).toHaveLength(4);

    const replaced = await publish(other, { replace: true });
    expect(replaced.record.state).toBe('updated');
    expect(releaseState()).toEqual(published);
    const [release] = gh.releases(REPO);
    const tarball = gh.assets(REPO, release.id).find((a) => a.name === TARBALL);
    expect(tarball?.digest).toBe(`sha256:${replaced.record.sha256}`);
  });

  it('survives a connection dropped mid-upload, 5xx answers and a leftover broken asset (422 already_exists)', async () => {
    gh.injectFault({ operation: 'repos/list-releases', fault: { kind: 'status', status: 502 } });
    gh.injectFault({ operation: 'repos/upload-release-asset', nth: 1, fault: { kind: 'drop' } });
    gh.injectFault({
      operation: 'repos/upload-release-asset',
      nth: 3,
      fault: { kind: 'drop', leavePartialAsset: true },
    });
    gh.injectFault({ operation: 'repos/update-release', fault: { kind: 'status', status: 503 } });
    const { record } = await publish(bundle());
    expect(record.state).toBe('created');
    expect(releaseState()).toEqual(published);
    const uploads = gh.callsTo('repos/upload-release-asset').map((r) => r.status);
    expect(uploads).toContain(-1);
    expect(uploads).toContain(422);
    expect(gh.callsTo('repos/delete-release-asset').map((r) => r.status)).toEqual([204]);
  });

  it('waits out rate limits (retry-after) and a failed release creation without creating two', async () => {
    gh.injectFault({
      operation: 'repos/list-release-assets',
      fault: { kind: 'rate-limit', status: 429, retryAfterSeconds: 1 },
    });
    gh.injectFault({
      operation: 'repos/create-release',
      fault: { kind: 'rate-limit', retryAfterSeconds: 1 },
    });
    gh.injectFault({
      operation: 'repos/get-release',
      fault: { kind: 'rate-limit', primary: true, retryAfterSeconds: 1 },
    });
    const { record } = await publish(bundle());
    expect(record.state).toBe('created');
    expect(releaseState()).toEqual(published);
    expect(gh.callsTo('repos/create-release').map((r) => r.status)).toEqual([403, 201]);
  });

  it('a server error that outlives the retries ends in one line naming GitHub and the call, not a stack', async () => {
    gh.injectFault({
      operation: 'repos/create-release',
      times: 100,
      fault: { kind: 'status', status: 502, message: 'Bad Gateway' },
    });
    const failure = await publish(bundle()).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    gh.clearFaults();
    expect(failure?.constructor.name).toBe('UserError');
    expect(failure?.message).toMatch(
      /^GitHub kept failing while .* in acme\/pg-bundle-releases \(502 Bad Gateway\), also after the retries\n {2}fix: wait and run the command again/,
    );
    // retried before giving up, and nothing half-published
    expect(gh.callsTo('repos/create-release').length).toBeGreaterThan(1);
    expect(gh.releases(REPO)).toHaveLength(0);
  });

  it('names the missing permission when the token cannot write contents', async () => {
    const readOnly = gh.createToken({ contents: 'read' });
    await expect(publish(bundle(), {}, readOnly)).rejects.toThrow(/contents: write/);
    expect(gh.releases(REPO)).toHaveLength(0);
    await expect(publish(bundle(), {}, 'not-a-token')).rejects.toThrow(
      /rejected the token[\s\S]*contents: write/,
    );
  });

  it('creates the tag at the built commit (target_commitish) and sends the make_latest choice', async () => {
    const built = gh.commitFiles(REPO, 'main', { 'built.txt': 'built\n' }, 'the built commit');
    gh.commitFiles(REPO, 'main', { 'later.txt': 'later\n' }, 'a later commit on the default branch');
    const saved = { sha: process.env.GITHUB_SHA, repo: process.env.GITHUB_REPOSITORY };
    process.env.GITHUB_SHA = built;
    process.env.GITHUB_REPOSITORY = REPO;
    try {
      await publish(bundle(), { makeLatest: 'false' });
    } finally {
      for (const [k, v] of [
        ['GITHUB_SHA', saved.sha],
        ['GITHUB_REPOSITORY', saved.repo],
      ] as const)
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    }
    const [release] = gh.releases(REPO);
    expect(release).toMatchObject({ targetCommitish: built, makeLatest: 'false', draft: false });
    expect(gh.repo(REPO).refs.get(`refs/tags/${TAG}`)).toBe(built);
    await expect(publish(bundle(), { makeLatest: 'maybe' })).rejects.toThrow(/--make-latest is "maybe"/);
  });

  it('fails without a token unless --dry-run (it never quietly publishes nothing)', async () => {
    const out = bundle();
    const before = gh.requests.length;
    const saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN;
    try {
      await expect(
        publishCommand({ out, tag: TAG, repository: REPO, apiUrl: gh.baseUrl }, testContext()),
      ).rejects.toThrow(/publish needs a GitHub token[\s\S]*--dry-run/);
    } finally {
      if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
    }
    expect(gh.requests.length).toBe(before);
  });

  it('dry-runs when asked: writes the assets and the body, calls nothing (even with a token)', async () => {
    const out = bundle();
    const before = gh.requests.length;
    const ctx = testContext();
    await publishCommand(
      { out, tag: TAG, repository: REPO, apiUrl: gh.baseUrl, token: gh.token, dryRun: true },
      ctx,
    );
    expect(gh.requests.length).toBe(before);
    for (const name of [TARBALL, 'manifest.json', 'SHA256SUMS', 'release-body.md', 'release.json'])
      expect(existsSync(join(out, 'publish', name))).toBe(true);
    expect(ctx.log.lines.join('\n')).toContain('dry run (--dry-run)');
  });

  it('fetches the pinned bundle (API with a token, browser URL without), and rejects a sha256 mismatch', async () => {
    const out = bundle();
    const { record } = await publish(out);
    const pinPath = join(tempDir(), 'postgres-bundle.json');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
    const pin = pinFromManifest(
      manifest,
      releaseOf({
        repository: REPO,
        tag: TAG,
        assetName: TARBALL,
        assetUrl: record.assetUrl as string,
        releaseUrl: record.releaseUrl as string,
        sha256: record.sha256,
      }),
    );
    writeFileSync(pinPath, JSON.stringify(pin));

    for (const token of [gh.token, undefined]) {
      const dest = tempDir('pgb-fetch-');
      const ctx = testContext();
      await fetchCommand({ pinFile: pinPath, out: dest, token, apiUrl: gh.baseUrl }, ctx);
      expect(readFileSync(join(dest, 'v15/bin/postgres'), 'utf8')).toBe(
        readFileSync(join(out, 'v15/bin/postgres'), 'utf8'),
      );
      expect(existsSync(join(dest, 'manifest.json'))).toBe(true);
      expect(ctx.outputs.tag).toBe(TAG);
    }

    writeFileSync(pinPath, JSON.stringify(withBundle(pin, { sha256: '0'.repeat(64) })));
    const dest = tempDir('pgb-fetch-');
    await expect(
      fetchCommand({ pinFile: pinPath, out: dest, token: gh.token, apiUrl: gh.baseUrl }, testContext()),
    ).rejects.toThrow(/sha256 [0-9a-f]{64}, the pin requires 0{64}/);
    expect(existsSync(join(dest, 'v15'))).toBe(false);

    writeFileSync(
      pinPath,
      JSON.stringify(
        withBundle(pin, { versions: { '15': { ...versionsOf(pin)['15'], postgresVersion: '15.9' } } }),
      ),
    );
    await expect(
      fetchCommand({ pinFile: pinPath, out: dest, token: gh.token, apiUrl: gh.baseUrl }, testContext()),
    ).rejects.toThrow(/the pin says PostgreSQL 15.9, the bundle has 15.4/);
  });
});
