/**
 * pin-bump's measured Risk section and the pg-bundle/compatibility status, end to end against
 * FakeGitHub (the real Octokit; every request checked against GitHub's OpenAPI description): the
 * old pin's bundle is published there and fetched through fetch's checked path; compare itself is
 * injected (a synthetic report shaped like ICU 67.1 → 72.1; no PostgreSQL runs).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompareInput } from '../../../src/compare/input';
import { CompareReport } from '../../../src/compare/report';
import { createGitHubClient } from '../../../src/github/client';
import { ACCEPT_LABEL, COMPATIBILITY_CONTEXT } from '../../../src/pin-bump/compatibility';
import { makeCompatibilityStatusCommand } from '../../../src/pin-bump/compatibility-status';
import { makePinBumpCommand } from '../../../src/pin-bump/command';
import { DEFAULT_PIN_PATH } from '../../../src/core/options';
import { primaryBundle } from '../../../src/pin/pinned';
import { parsePin } from '../../../src/pin/read';
import { publishCommand } from '../../../src/publish/command';
import { MemoryLogger } from '../../support/memory-logger';
import { FakeGitHub } from '../../fake-github';
import { makeArtifactDir, tempDir, testContext } from '../publish/helpers';
import { icuReport } from './compare-reports';

const RELEASES = 'acme/compute';
const CONSUMER = 'acme/pageserver';
const TEAM = '@acme/storage';
const BRANCH = 'pg-bundle/bump';

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await FakeGitHub.start();
  gh.seedRepo({ repo: RELEASES });
  gh.seedRepo({ repo: CONSUMER, files: { CODEOWNERS: `/pageserver/ ${TEAM}\n` }, knownOwners: [TEAM] });
});
afterEach(() => gh.stop());

/** A small bundle published as `tag` from a fresh --out. */
async function published(tag: string, salt: string): Promise<string> {
  const out = tempDir();
  makeArtifactDir(out, [15], salt);
  const options = { out, tag, repository: RELEASES, token: gh.token, apiUrl: gh.baseUrl };
  expect(await publishCommand(options, testContext())).toBe(0);
  return out;
}

interface Compared {
  old: CompareInput;
  new: CompareInput;
  oldPostgres: Buffer;
}

async function bump(
  out: string,
  report?: (old: CompareInput, neu: CompareInput) => CompareReport,
  calls: Compared[] = [],
) {
  const ctx = testContext();
  const handler = makePinBumpCommand({
    env: { PG_BUNDLE_RETRY_BASE_MS: '0' },
    compare: async (old, neu) => {
      calls.push({ old, new: neu, oldPostgres: readFileSync(join(old.dir, 'v15/bin/postgres')) });
      return (report ?? ((o, n) => icuReport(86, o.label, n.label)))(old, neu);
    },
  });
  const options = {
    out,
    repository: CONSUMER,
    storageTeam: TEAM,
    labels: ['pg-bundle'],
    token: gh.token,
    apiUrl: gh.baseUrl,
  };
  const code = await handler(options, ctx);
  expect(code).toBe(0);
  return { ctx, calls };
}

/** The pin of `out`'s release on the consumer's default branch, as after merging the first pull request. */
async function pinnedOnMain(out: string): Promise<string> {
  await bump(out);
  const pinText = gh.readFile(CONSUMER, BRANCH, DEFAULT_PIN_PATH) as string;
  gh.commitFiles(CONSUMER, 'main', { [DEFAULT_PIN_PATH]: pinText }, 'Merge the first pin');
  for (const p of gh.repo(CONSUMER).pulls) p.state = 'closed';
  return pinText;
}

const openPull = () => gh.pulls(CONSUMER).find((p) => p.state === 'open')!;
const status = () => gh.latestStatus(CONSUMER, gh.branchSha(CONSUMER, BRANCH)!, COMPATIBILITY_CONTEXT);

/** compatibility-status as the consumer's workflow on pull_request labeled/unlabeled runs it. */
async function statusWorkflow(extra: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-event-'));
  const eventPath = join(dir, 'event.json');
  writeFileSync(
    eventPath,
    JSON.stringify({ action: 'labeled', pull_request: { number: openPull().number } }),
  );
  const env = { GITHUB_REPOSITORY: CONSUMER, GITHUB_EVENT_PATH: eventPath, PG_BUNDLE_RETRY_BASE_MS: '0' };
  const ctx = testContext();
  const code = await makeCompatibilityStatusCommand(env)(
    { token: gh.token, apiUrl: gh.baseUrl, ...extra },
    ctx,
  );
  return { code, ctx };
}

/** The storage team labels (or unlabels) the pull request, through the API as on GitHub. */
async function label(add: boolean) {
  const octokit = createGitHubClient({ token: gh.token, apiUrl: gh.baseUrl, log: new MemoryLogger() });
  const [owner, repo] = CONSUMER.split('/');
  const issue_number = openPull().number;
  if (add) await octokit.rest.issues.addLabels({ owner, repo, issue_number, labels: [ACCEPT_LABEL] });
  else await octokit.rest.issues.removeLabel({ owner, repo, issue_number, name: ACCEPT_LABEL });
}

test('the measured table goes into the Risk section, the status fails, and turns green when the storage team adds the label', async () => {
  const oldOut = await published('bundle-old', 'a');
  await pinnedOnMain(oldOut);
  const newOut = await published('bundle-new', 'b');
  const { ctx, calls } = await bump(newOut);

  // compare ran on the old pin's bundle, fetched and checked, and on the new bundle in --out
  expect(calls).toHaveLength(1);
  expect(calls[0].oldPostgres).toEqual(readFileSync(join(oldOut, 'v15/bin/postgres')));
  expect(calls[0].old.label).toBe('bundle-old (old pin)');
  expect(calls[0].new.dir).toBe(newOut);
  const body = openPull().body ?? '';
  const risk = body.slice(body.indexOf('## Risk'), body.indexOf('## Versions'));
  expect(risk).toContain('**pg-bundle compare: 172 differences**');
  expect(risk).toContain('| v15 | 86 of 785 changed order | 86 of 86 corrupt |');
  expect(risk).toContain('old: `bundle-old (old pin)`');
  expect(readFileSync(join(newOut, 'pin-bump', 'compare.json'), 'utf8')).toContain('"differences": 172');

  expect(ctx.outputs.compatibility).toBe('failure');
  expect(status()).toMatchObject({
    state: 'failure',
    description: '86 collations changed order; 86 indexes corrupt under the new bundle',
    targetUrl: expect.stringContaining(`/pull/${openPull().number}`),
  });

  await label(true);
  const accepted = await statusWorkflow();
  expect(accepted.code).toBe(0);
  expect(accepted.ctx.outputs.compatibility).toBe('success');
  expect(status()).toMatchObject({
    state: 'success',
    description: `accepted by the storage team (${ACCEPT_LABEL}): 86 collations changed order; 86 indexes corrupt under the new bundle`,
  });
  // the same event again writes nothing
  const statuses = gh.statuses(CONSUMER).length;
  await statusWorkflow();
  expect(gh.statuses(CONSUMER)).toHaveLength(statuses);

  await label(false);
  await statusWorkflow();
  expect(status()?.state).toBe('failure');
});

test('a newer bundle proposed in the pull request revokes an earlier acceptance', async () => {
  await pinnedOnMain(await published('bundle-old', 'a'));
  await bump(await published('bundle-new', 'b'));
  await label(true);
  await statusWorkflow();
  expect(status()?.state).toBe('success');

  const { ctx } = await bump(await published('bundle-newer', 'c'));
  expect(openPull().labels).not.toContain(ACCEPT_LABEL);
  expect(status()?.state).toBe('failure');
  expect(ctx.log.lines.join('\n')).toContain(`removed the label ${ACCEPT_LABEL}`);
});

test('a pin whose release is gone: the Risk section says not measured and why, and the status fails', async () => {
  const pinText = await pinnedOnMain(await published('bundle-old', 'a'));
  const gone = pinText.replaceAll('bundle-old', 'bundle-deleted');
  gh.commitFiles(CONSUMER, 'main', { [DEFAULT_PIN_PATH]: gone }, 'Pin a release that was deleted since');
  const { calls } = await bump(await published('bundle-new', 'b'));
  expect(calls).toHaveLength(0);
  const body = openPull().body ?? '';
  expect(body).toMatch(
    /not measured: the old pin's bundle bundle-deleted could not be fetched: acme\/compute or the requested object was not found while reading release bundle-deleted \(404/,
  );
  expect(status()).toMatchObject({ state: 'failure' });
  expect(status()?.description).toMatch(
    /^not measured: the old pin's bundle bundle-deleted could not be fetched/,
  );
});

test('compatibility-status: a result of another pin than the head proposes, and a body without a result, fail; no pull request is one line', async () => {
  await pinnedOnMain(await published('bundle-old', 'a'));
  await bump(await published('bundle-new', 'b'), () => icuReport(0));
  expect(status()?.state).toBe('success');

  // someone pushes another pin to the bump branch: the stored result no longer describes it
  const text = gh.readFile(CONSUMER, BRANCH, DEFAULT_PIN_PATH) as string;
  const { sha256: sha } = primaryBundle(parsePin(text, 'the proposed pin'));
  gh.commitFiles(CONSUMER, BRANCH, { [DEFAULT_PIN_PATH]: text.replace(sha, '0'.repeat(64)) }, 'Another pin');
  await statusWorkflow();
  expect(status()).toMatchObject({
    state: 'failure',
    description: `not measured: the pull request's ${DEFAULT_PIN_PATH} pins another bundle than the one measured; run pin-bump again`,
  });

  openPull().body = 'edited by hand';
  await statusWorkflow();
  expect(status()?.description).toBe(
    'not measured: the pull request body holds no pg-bundle compatibility result; run pin-bump again',
  );

  const noEvent = makeCompatibilityStatusCommand({ GITHUB_REPOSITORY: CONSUMER });
  await expect(noEvent({ token: gh.token, apiUrl: gh.baseUrl }, testContext())).rejects.toThrow(
    /^compatibility-status needs the pull request: the workflow event has none\n {2}fix: pass --pull-request <number>/,
  );
});

test('no compare runs when the routing check refuses the bump anyway', async () => {
  await pinnedOnMain(await published('bundle-old', 'a'));
  gh.commitFiles(CONSUMER, 'main', { CODEOWNERS: '* @acme/other\n' }, 'Route elsewhere');
  const calls: Compared[] = [];
  await expect(bump(await published('bundle-new', 'b'), undefined, calls)).rejects.toThrow(/CODEOWNERS/);
  expect(calls).toHaveLength(0);
});
