/**
 * `run` end to end against FakeGitHub (a FAKE of GitHub's REST API), not a dry run: build and verify
 * are replaced by a prebuilt synthetic bundle (building PostgreSQL takes minutes; test/e2e runs the
 * real stages), publish and pin-bump are the real ones. The same through the action's entry point
 * with the runner's files (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and PGB_INPUT_* variables.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputEnvName, runAction } from '../../../src/action/main';
import { makeRunCommand, RunStages } from '../../../src/commands/run';
import { CommandHandler, stringOption } from '../../../src/core/context';
import { normaliseOptions } from '../../../src/core/normalise-options';
import { pinBumpCommand } from '../../../src/pin-bump/command';
import { publishCommand } from '../../../src/publish/command';
import { FakeGitHub } from '../../fake-github';
import { makeArtifactDir, tempDir, testContext } from '../publish/helpers';

const RELEASES = 'acme/bundles';
const CONSUMER = 'acme/pageserver';

let fake: FakeGitHub;
beforeEach(async () => {
  fake = await FakeGitHub.start();
  fake.seedRepo({ repo: RELEASES });
  fake.seedRepo({
    repo: CONSUMER,
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
    knownOwners: ['@acme/storage'],
  });
});
afterEach(async () => {
  await fake.stop();
});

/** build writes a prebuilt (already verified) bundle into --out; verify has nothing left to prove. */
const prebuilt: CommandHandler = async (options) => {
  makeArtifactDir(stringOption(options, 'out') as string, [15]);
  return 0;
};
const stages: RunStages = {
  build: prebuilt,
  verify: async () => 0,
  publish: publishCommand,
  pinBump: pinBumpCommand,
};

function expectReleaseAndPullRequest(): void {
  const releases = fake.releases(RELEASES);
  expect(releases).toHaveLength(1);
  expect(releases[0]).toMatchObject({ tagName: 'bundle-run-test', draft: false });
  const pulls = fake.pulls(CONSUMER);
  expect(pulls).toHaveLength(1);
  expect(pulls[0]).toMatchObject({ state: 'open', head: 'pg-bundle/bump', requestedTeams: ['storage'] });
  expect(fake.readFile(CONSUMER, 'pg-bundle/bump', 'pageserver/postgres-bundle.json')).toContain(
    '"tag": "bundle-run-test"',
  );
}

test('run (not dry) ends with a published release and an open pin-bump pull request', async () => {
  const out = tempDir('pgb-run-');
  const ctx = testContext();
  const options = normaliseOptions('run', {
    out,
    tag: 'bundle-run-test',
    repository: RELEASES,
    consumerRepository: CONSUMER,
    storageTeam: '@acme/storage',
    token: fake.token,
    apiUrl: fake.baseUrl,
  });
  expect(await makeRunCommand(stages)(options, ctx)).toBe(0);
  expectReleaseAndPullRequest();
  expect(ctx.outputs).toMatchObject({ tag: 'bundle-run-test', 'pin-bump-result': 'created' });
  expect(ctx.outputs['pull-request-url']).toMatch(/\/pull\/1$/);
});

test('run refuses to start without a consumer repository (unless --dry-run)', async () => {
  const options = normaliseOptions('run', { out: tempDir(), repository: RELEASES, token: fake.token });
  await expect(makeRunCommand(stages)(options, testContext())).rejects.toThrow(/--consumer-repository/);
});

describe('the action entry point with the runner files', () => {
  let saved: NodeJS.ProcessEnv;
  let stdout: string[];
  let spy: jest.SpyInstance;
  let files: { output: string; summary: string };
  beforeEach(() => {
    saved = { ...process.env };
    const dir = mkdtempSync(join(tmpdir(), 'pgb-runner-'));
    files = { output: join(dir, 'output'), summary: join(dir, 'summary') };
    writeFileSync(files.output, '');
    writeFileSync(files.summary, '');
    process.env.GITHUB_OUTPUT = files.output;
    process.env.GITHUB_STEP_SUMMARY = files.summary;
    delete process.env.GITHUB_TOKEN;
    stdout = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stdout.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    process.env = saved;
    process.exitCode = undefined;
  });
  function inputs(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) process.env[inputEnvName(name)] = value;
  }
  /** name → value from GITHUB_OUTPUT's `name<<delimiter` blocks */
  function outputs(): Record<string, string> {
    const result: Record<string, string> = {};
    const re = /^(.+?)<<(ghadelimiter_[^\n]+)\n([\s\S]*?)\n\2$/gm;
    for (const m of readFileSync(files.output, 'utf8').matchAll(re)) result[m[1]] = m[3];
    return result;
  }
  const log = () => stdout.join('');

  test('command: run publishes and opens the pull request; outputs, summary, flat groups', async () => {
    inputs({
      command: 'run',
      out: tempDir('pgb-run-action-'),
      tag: 'bundle-run-test',
      repository: RELEASES,
      'consumer-repository': CONSUMER,
      'storage-team': '@acme/storage',
      token: fake.token,
      'api-url': fake.baseUrl,
      'dry-run': 'false',
    });
    await runAction(process.env, { run: makeRunCommand(stages) });
    expect(log()).not.toContain('::error::');
    expect(process.exitCode).toBeUndefined();
    expectReleaseAndPullRequest();
    expect(outputs()).toMatchObject({ tag: 'bundle-run-test', 'pin-bump-result': 'created' });
    expect(outputs()['release-url']).toContain('/releases/tag/bundle-run-test');
    const summary = readFileSync(files.summary, 'utf8');
    expect(summary).toContain('### pg-bundle publish');
    expect(summary).toContain('### pg-bundle pin-bump');
    // groups are never nested: every ::group:: is closed before the next opens
    const marks = log().match(/^::(end)?group::/gm) ?? [];
    expect(marks.length).toBeGreaterThanOrEqual(8);
    marks.forEach((m, i) => expect(m).toBe(i % 2 === 0 ? '::group::' : '::endgroup::'));
    expect(log().replace(/^::add-mask::.*$/gm, '')).not.toContain(fake.token);
  });

  test("a boolean input that is not a YAML 1.2 boolean fails, naming the input ('on')", async () => {
    inputs({ command: 'publish', 'dry-run': 'on', out: tempDir() });
    await runAction(process.env);
    expect(log()).toMatch(/^::error::input `dry-run` is "on", which is not a boolean/m);
    expect(process.exitCode).toBe(1);
  });

  test('publish without a token fails in the action too, naming the input', async () => {
    const out = tempDir();
    makeArtifactDir(out, [15]);
    inputs({ command: 'publish', out, repository: RELEASES, 'api-url': fake.baseUrl, token: '' });
    await runAction(process.env);
    expect(log()).toMatch(/^::error::publish needs a GitHub token.*%0A.*pass input `token`/m);
    expect(fake.releases(RELEASES)).toHaveLength(0);
  });
});
