/**
 * pin-bump end to end against FakeGitHub (a FAKE of GitHub's REST API that validates every request
 * and response against GitHub's OpenAPI description): Octokit runs for real over HTTP.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandContext } from '../../../src/core/context';
import { RawOptions } from '../../../src/core/options';
import { makePinBumpCommand } from '../../../src/pin-bump/command';
import { pinFromManifest, serialisePin } from '../../../src/pin/write';
import { releaseUrls } from '../../../src/github/repository';
import { bundleAssetName } from '../../../src/release/naming';
import { MemoryLogger } from '../../support/memory-logger';
import { FakeGitHub } from '../../fake-github';
import { FIXTURES, fixtureManifest } from '../../support/pin-fixtures';
import { releaseOf } from '../../support/pins';

const CONSUMER = 'acme/pageserver';
const RELEASES = 'acme/pg-bundle-releases';
const PIN = 'pageserver/postgres-bundle.json';
const TEAM = '@acme/storage';
const ROUTED = `* @acme/everyone\n/pageserver/ @acme/pageserver\n/pageserver/postgres-bundle.json ${TEAM}\n`;
const sha = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await FakeGitHub.start();
});
afterEach(async () => {
  await fake.stop(); // throws on any OpenAPI violation
});

function seedConsumer(
  files: Record<string, string> = { '.github/CODEOWNERS': ROUTED },
  knownOwners = ['@acme/storage', '@acme/everyone', '@acme/pageserver'],
) {
  fake.seedRepo({ repo: CONSUMER, files: { 'README.md': '# pageserver\n', ...files }, knownOwners });
}

/** An --out directory as publish leaves it: manifest.json and publish/SHA256SUMS. */
function outDir(manifestFixture: string, tag: string, digest: string): string {
  const out = mkdtempSync(join(tmpdir(), 'pgb-pin-bump-'));
  copyFileSync(join(FIXTURES, manifestFixture), join(out, 'manifest.json'));
  mkdirSync(join(out, 'publish'));
  writeFileSync(
    join(out, 'publish', 'SHA256SUMS'),
    `${digest}  ${bundleAssetName(tag)}\n${sha(0xee)}  manifest.json\n`,
  );
  return out;
}

function expectedPinText(manifestFixture: string, tag: string, digest: string): string {
  const assetName = bundleAssetName(tag);
  return serialisePin(
    pinFromManifest(
      fixtureManifest(manifestFixture),
      releaseOf({
        repository: RELEASES,
        tag,
        assetName,
        sha256: digest,
        ...releaseUrls('https://github.com', RELEASES, tag, assetName),
      }),
    ),
  );
}

interface Run {
  code: number;
  outputs: Record<string, string>;
  log: MemoryLogger;
  secrets: string[];
}

async function bump(out: string, tag: string, extra: RawOptions = {}): Promise<Run> {
  const log = new MemoryLogger();
  const outputs: Record<string, string> = {};
  const secrets: string[] = [];
  const ctx: CommandContext = {
    log,
    args: [],
    setOutput: (k, v) => (outputs[k] = v),
    addSummary: async () => undefined,
    setSecret: (s) => secrets.push(s),
  };
  const handler = makePinBumpCommand({
    env: {
      GITHUB_REPOSITORY: RELEASES,
      GITHUB_SERVER_URL: 'https://github.com',
      PG_BUNDLE_RETRY_BASE_MS: '0',
    },
  });
  const options: RawOptions = {
    out,
    tag,
    repository: CONSUMER,
    pinFile: PIN,
    storageTeam: TEAM,
    labels: ['pg-bundle', 'storage'],
    token: fake.token,
    apiUrl: fake.baseUrl,
    ...extra,
  };
  const code = await handler(options, ctx);
  return { code, outputs, log, secrets };
}

const writes = () => fake.requests.filter((r) => r.method !== 'GET');

describe('pin-bump against FakeGitHub', () => {
  test('first bump opens a PR with the pin file, body, labels and the storage team as reviewer', async () => {
    seedConsumer();
    const out = outDir('manifest-icu67.json', 'bundle-1', sha(1));
    const run = await bump(out, 'bundle-1');

    expect(run.code).toBe(0);
    expect(run.outputs['pin-bump-result']).toBe('created');
    expect(run.secrets).toContain(fake.token);
    const pulls = fake.pulls(CONSUMER);
    expect(pulls).toHaveLength(1);
    const pr = pulls[0];
    expect(run.outputs['pull-request-number']).toBe(String(pr.number));
    expect(pr).toMatchObject({
      head: 'pg-bundle/bump',
      base: 'main',
      state: 'open',
      draft: false,
      title: 'Bump PostgreSQL bundle to bundle-1',
      labels: ['pg-bundle', 'storage'],
      requestedTeams: ['storage'],
    });
    expect(fake.readFile(CONSUMER, 'pg-bundle/bump', PIN)).toBe(
      expectedPinText('manifest-icu67.json', 'bundle-1', sha(1)),
    );
    expect(fake.readFile(CONSUMER, 'main', PIN)).toBeUndefined();
    expect(pr.body).toContain('## Risk');
    expect(pr.body).toContain('First pin in this repository');
    expect(pr.body).toContain('| PostgreSQL version | — | `15.17` |');
    expect(pr.body).toContain('- Release: https://github.com/acme/pg-bundle-releases/releases/tag/bundle-1');
    expect(pr.body).toContain(
      '- Conformance report: https://github.com/acme/pg-bundle-releases/releases/download/bundle-1/manifest.json',
    );
    // a record of what was done
    expect(readFileSync(join(out, 'pin-bump', 'pr-body.md'), 'utf8')).toBe(pr.body);
  });

  test('second bump with a newer release updates the same PR; third with the same release changes nothing', async () => {
    seedConsumer();
    await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1');
    const first = fake.pulls(CONSUMER)[0];

    const out2 = outDir('manifest-icu72.json', 'bundle-2', sha(2));
    const second = await bump(out2, 'bundle-2');
    expect(second.outputs['pin-bump-result']).toBe('updated');
    const pulls = fake.pulls(CONSUMER);
    expect(pulls).toHaveLength(1);
    expect(pulls[0].number).toBe(first.number);
    expect(pulls[0].title).toBe('Bump PostgreSQL bundle to bundle-2');
    expect(pulls[0].body).toContain('release [`bundle-2`]');
    expect(fake.readFile(CONSUMER, 'pg-bundle/bump', PIN)).toBe(
      expectedPinText('manifest-icu72.json', 'bundle-2', sha(2)),
    );
    // the branch was recreated from main: one commit on top of main, not a pile of commits
    const repo = fake.repo(CONSUMER);
    const head = repo.commits.get(fake.branchSha(CONSUMER, 'pg-bundle/bump') as string);
    expect(head?.parents).toEqual([fake.branchSha(CONSUMER, 'main')]);

    const before = writes().length;
    const third = await bump(out2, 'bundle-2');
    expect(third.code).toBe(0);
    expect(third.outputs['pin-bump-result']).toBe('up-to-date');
    expect(writes().length).toBe(before);
    expect(fake.pulls(CONSUMER)).toHaveLength(1);
    expect(third.log.lines.join('\n')).toMatch(/already proposes bundle-2: nothing to do/);
  });

  test("two pin files get two pull requests: a bump of one never replaces the other's change", async () => {
    const OTHER = 'compute/postgres-bundle.json';
    seedConsumer({ '.github/CODEOWNERS': `${ROUTED}/compute/postgres-bundle.json ${TEAM}\n` });
    const first = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1');
    const second = await bump(outDir('manifest-icu72.json', 'bundle-2', sha(2)), 'bundle-2', {
      pinFile: OTHER,
    });
    expect([first.outputs['pin-bump-result'], second.outputs['pin-bump-result']]).toEqual([
      'created',
      'created',
    ]);
    const pulls = fake.pulls(CONSUMER);
    expect(pulls).toHaveLength(2);
    const [one, two] = pulls.map((p) => p.head);
    expect(one).toBe('pg-bundle/bump');
    expect(two).toMatch(/^pg-bundle\/bump-compute-postgres-bundle-json-[0-9a-f]{8}$/);
    // each branch carries its own pin file only, with its own release
    expect(fake.readFile(CONSUMER, one, PIN)).toBe(
      expectedPinText('manifest-icu67.json', 'bundle-1', sha(1)),
    );
    expect(fake.readFile(CONSUMER, one, OTHER)).toBeUndefined();
    expect(fake.readFile(CONSUMER, two, OTHER)).toBe(
      expectedPinText('manifest-icu72.json', 'bundle-2', sha(2)),
    );
    expect(fake.readFile(CONSUMER, two, PIN)).toBeUndefined();
  });

  test('a release the default branch already pins changes nothing', async () => {
    seedConsumer({
      '.github/CODEOWNERS': ROUTED,
      [PIN]: expectedPinText('manifest-icu67.json', 'bundle-1', sha(1)),
    });
    const run = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1');
    expect(run.outputs['pin-bump-result']).toBe('already-pinned');
    expect(writes()).toEqual([]);
    expect(fake.pulls(CONSUMER)).toEqual([]);
    expect(run.log.lines.join('\n')).toMatch(/already pins bundle-1: nothing to do/);
  });

  test("the storage team's requirements: kept in the new pin; a release without them, or a malformed pin stating them, is refused", async () => {
    const requires = { walredo: { mode: 'builtin' } };
    const pinned = JSON.parse(expectedPinText('manifest-icu67.json', 'bundle-1', sha(1)));
    seedConsumer({ '.github/CODEOWNERS': ROUTED, [PIN]: JSON.stringify({ ...pinned, requires }, null, 2) });
    const kept = await bump(outDir('manifest-icu72.json', 'bundle-2', sha(2)), 'bundle-2');
    expect(kept.code).toBe(0);
    const proposed = fake.readFile(CONSUMER, 'pg-bundle/bump', PIN);
    expect(JSON.parse(proposed!).requires).toEqual(requires);

    seedConsumer({
      '.github/CODEOWNERS': ROUTED,
      [PIN]: JSON.stringify(
        { ...pinned, requires: { walredo: { mode: 'fork', customRmgrs: [134] } } },
        null,
        2,
      ),
    });
    await expect(bump(outDir('manifest-icu72.json', 'bundle-3', sha(3)), 'bundle-3')).rejects.toThrow(
      /bundle-3 does not provide what pageserver\/postgres-bundle.json on main requires: v15: walredo mode is builtin, the pin requires fork/,
    );

    seedConsumer({
      '.github/CODEOWNERS': ROUTED,
      [PIN]: JSON.stringify({ ...pinned, requires: { walredo: { customRmgrs: ['134'] } } }, null, 2),
    });
    await expect(bump(outDir('manifest-icu72.json', 'bundle-4', sha(4)), 'bundle-4')).rejects.toThrow(
      /states requirements \("requires"\) but does not follow the pin file schema/,
    );
  });

  test('after the first PR is merged, the bump to an ICU 72 release flags the ICU change', async () => {
    seedConsumer({
      '.github/CODEOWNERS': ROUTED,
      [PIN]: expectedPinText('manifest-icu67.json', 'bundle-1', sha(1)),
    });
    await bump(outDir('manifest-icu72.json', 'bundle-2', sha(2)), 'bundle-2');
    const body = fake.pulls(CONSUMER)[0].body ?? '';
    expect(body).toContain('moves `pageserver/postgres-bundle.json` from `bundle-1` to pg-bundle release');
    expect(body).toContain('⚠️ **4 change(s) can alter collation or on-disk results.**');
    expect(body).toContain('- **v15: ICU version** `67.1` → `72.1`');
    expect(body).toContain('| ICU | `67.1` | `72.1` ⚠️ |');
    expect(body).toContain(
      '- Previous release: https://github.com/acme/pg-bundle-releases/releases/tag/bundle-1',
    );
  });

  test('a CODEOWNERS that does not cover the pin file fails with the line to add, and writes nothing', async () => {
    seedConsumer({ '.github/CODEOWNERS': '* @acme/everyone\n/pageserver/ @acme/pageserver\n' });
    const promise = bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1');
    await expect(promise).rejects.toThrow(
      /\.github\/CODEOWNERS does not route pageserver\/postgres-bundle\.json to @acme\/storage: the file is owned by @acme\/pageserver \(line 2: `\/pageserver\/ @acme\/pageserver`\)/,
    );
    await expect(promise).rejects.toThrow(
      'add this line at the end of .github/CODEOWNERS:\n  /pageserver/postgres-bundle.json @acme/storage',
    );
    expect(writes()).toEqual([]);
  });

  test('the first CODEOWNERS found wins: an unrouted .github/CODEOWNERS hides a routed root CODEOWNERS', async () => {
    seedConsumer({ '.github/CODEOWNERS': '* @acme/everyone\n', CODEOWNERS: ROUTED });
    await expect(bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1')).rejects.toThrow(
      /\.github\/CODEOWNERS does not route/,
    );
  });

  test('--allow-unrouted opens the PR anyway, with a warning', async () => {
    seedConsumer({ 'docs/CODEOWNERS': '* @acme/everyone\n' });
    const run = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1', {
      allowUnrouted: true,
    });
    expect(run.outputs['pin-bump-result']).toBe('created');
    expect(run.log.lines.join('\n')).toMatch(
      /warning: docs\/CODEOWNERS does not route .*\n {2}\/pageserver\/postgres-bundle\.json @acme\/storage\n\(--allow-unrouted/,
    );
    expect(fake.pulls(CONSUMER)[0].requestedTeams).toEqual(['everyone']);
  });

  test('a storage team GitHub reports as unknown owner (no write access) fails the routing check', async () => {
    seedConsumer({ '.github/CODEOWNERS': ROUTED }, ['@acme/everyone', '@acme/pageserver']);
    await expect(bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1')).rejects.toThrow(
      /GitHub reports it as an unknown owner/,
    );
  });

  test('a transient 422 on labels and review requests is retried', async () => {
    seedConsumer();
    fake.injectFault({
      operation: 'issues/add-labels',
      times: 2,
      fault: { kind: 'status', status: 422, message: 'Validation Failed' },
    });
    fake.injectFault({
      operation: 'pulls/request-reviewers',
      fault: { kind: 'status', status: 422, message: 'Validation Failed' },
    });
    const run = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1');
    expect(run.outputs['pin-bump-result']).toBe('created');
    expect(fake.callsTo('issues/add-labels').map((r) => r.status)).toEqual([422, 422, 200]);
    expect(fake.callsTo('pulls/request-reviewers').map((r) => r.status)).toEqual([422, 201]);
    expect(fake.pulls(CONSUMER)[0]).toMatchObject({
      labels: ['pg-bundle', 'storage'],
      requestedTeams: ['storage'],
    });
  });

  test('a review request GitHub keeps refusing only warns: the PR stays open', async () => {
    seedConsumer({ '.github/CODEOWNERS': '* @acme/ghosts\n' }, ['@acme/storage']);
    const run = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1', {
      allowUnrouted: true,
    });
    expect(run.outputs['pin-bump-result']).toBe('created');
    expect(fake.callsTo('pulls/request-reviewers').map((r) => r.status)).toEqual([422, 422, 422, 422]);
    expect(run.log.lines.join('\n')).toMatch(
      /warning: could not request review from @acme\/ghosts on #1 .*the team needs write access/,
    );
  });

  test('a 502 while reading is retried', async () => {
    seedConsumer();
    fake.injectFault({ operation: 'repos/get-content', fault: { kind: 'status', status: 502 } });
    const run = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1');
    expect(run.outputs['pin-bump-result']).toBe('created');
    expect(fake.callsTo('repos/get-content')[0].status).toBe(502);
  });

  test.each([
    [
      { contents: 'write' as const },
      /opening the pull request|listing pull requests/,
      'pull-requests: write',
    ],
    [
      { pull_requests: 'write' as const, contents: 'read' as const },
      /resetting branch|creating branch/,
      'contents: write',
    ],
    [
      { pull_requests: 'write' as const, contents: 'write' as const },
      /the commit statuses|the pg-bundle\/compatibility status/,
      'statuses: write',
    ],
  ])('a token with %j fails naming the missing permission', async (permissions, step, missing) => {
    seedConsumer();
    const token = fake.createToken(permissions);
    const error = await bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1', { token }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(step);
    expect((error as Error).message).toContain(`the token needs "${missing}" on ${CONSUMER}`);
  });

  test('a bad token is reported as such', async () => {
    seedConsumer();
    await expect(
      bump(outDir('manifest-icu67.json', 'bundle-1', sha(1)), 'bundle-1', { token: 'not-a-token' }),
    ).rejects.toThrow(/GitHub rejected the token \(401/);
  });

  test('--dry-run calls nothing remote, even with a token, and leaves the diff, body and plan under <out>/pin-bump', async () => {
    seedConsumer({
      '.github/CODEOWNERS': ROUTED,
      [PIN]: expectedPinText('manifest-icu67.json', 'bundle-1', sha(1)),
    });
    const out = outDir('manifest-icu72.json', 'bundle-2', sha(2));
    const before = fake.requests.length;
    const run = await bump(out, 'bundle-2', { dryRun: true });
    expect(run.outputs['pin-bump-result']).toBe('dry-run');
    expect(fake.requests.length).toBe(before);
    const diff = readFileSync(join(out, 'pin-bump', 'pin.diff'), 'utf8');
    expect(diff).toContain('--- /dev/null');
    expect(diff).toContain('+  "tag": "bundle-2",');
    expect(JSON.parse(readFileSync(join(out, 'pin-bump', 'plan.json'), 'utf8'))).toMatchObject({
      branch: 'pg-bundle/bump',
      repository: CONSUMER,
    });
    expect(readFileSync(join(out, 'pin-bump', 'postgres-bundle.json'), 'utf8')).toBe(
      expectedPinText('manifest-icu72.json', 'bundle-2', sha(2)),
    );
    const printed = run.log.lines.join('\n');
    expect(printed).toContain('nothing is read from or sent to GitHub');
    expect(printed).toContain('==> would-be pull request body');
    expect(readFileSync(join(out, 'pin-bump', 'pr-body.md'), 'utf8')).toContain(
      'not measured: a dry run reads no current pin, so there is no old bundle to compare with',
    );
  });

  test('--dry-run without a token works offline', async () => {
    const out = outDir('manifest-icu67.json', 'bundle-1', sha(1));
    const run = await bump(out, 'bundle-1', { dryRun: true, token: undefined });
    expect(run.code).toBe(0);
    expect(fake.requests).toEqual([]);
    expect(existsSync(join(out, 'pin-bump', 'pin.diff'))).toBe(true);
    expect(readFileSync(join(out, 'pin-bump', 'pin.diff'), 'utf8')).toContain('--- /dev/null');
  });

  test('bad options are explained', async () => {
    const out = outDir('manifest-icu67.json', 'bundle-1', sha(1));
    await expect(bump(out, 'bundle-1', { repository: 'pageserver' })).rejects.toThrow(
      /not of the form owner\/name/,
    );
    await expect(bump(out, 'bundle-1', { storageTeam: 'storage' })).rejects.toThrow(
      /not of the form @org\/team-name/,
    );
    await expect(bump(out, 'bundle-1', { storageTeam: undefined })).rejects.toThrow(/needs the storage team/);
    await expect(bump(out, 'bundle-1', { pinFile: '/abs.json' })).rejects.toThrow(
      /relative to the repository root/,
    );
    await expect(bump(out, 'bundle-1', { token: undefined })).rejects.toThrow(
      /needs a token for acme\/pageserver/,
    );
    expect(fake.requests).toEqual([]);
  });
});
