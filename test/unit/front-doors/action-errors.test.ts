/**
 * The action's failures as a workflow author meets them: `command` is required, `verbose` prints
 * debug lines, a failed step writes the job summary too, errors name what the user can set (the
 * action's inputs, or bundle.yml's for its callers), and fetch summarises what it unpacked.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  inputEnvName,
  REUSABLE_WORKFLOW_ENV,
  REUSABLE_WORKFLOW_WORDS,
  runAction,
} from '../../../src/action/main';
import { optionsFor } from '../../../src/core/options';
import { UserError } from '../../../src/util/errors';
import { packageRoot } from '../../../src/util/package-root';
import { FakeGitHub } from '../../fake-github';
import { bumpAndReadPin, makeArtifactDir, tempDir, testContext } from '../publish/helpers';
import { publishCommand } from '../../../src/publish/command';

let saved: NodeJS.ProcessEnv;
let stdout: string[];
let spy: jest.SpyInstance;
const summaryFile = join(mkdtempSync(join(tmpdir(), 'pgb-action-errors-')), 'summary');

beforeEach(() => {
  saved = { ...process.env };
  writeFileSync(summaryFile, '');
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  process.env.GITHUB_OUTPUT = join(tempDir('pgb-action-out-'), 'output');
  writeFileSync(process.env.GITHUB_OUTPUT, '');
  delete process.env.GITHUB_TOKEN;
  delete process.env[REUSABLE_WORKFLOW_ENV];
  for (const k of Object.keys(process.env)) if (k.startsWith('PGB_INPUT_')) delete process.env[k];
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
const log = () => stdout.join('');
const summary = () => readFileSync(summaryFile, 'utf8');
/** The action inputs an `::error::` line names. */
const namedInputs = (text: string) => [...text.matchAll(/input `([a-z0-9-]+)`/g)].map((m) => m[1]);

test('a missing command fails at once, naming the input, and runs nothing', async () => {
  const build = jest.fn(async () => 0);
  await runAction(process.env, { build });
  expect(build).not.toHaveBeenCalled();
  expect(log()).toMatch(/^::error::input `command` is required: set it to one of doctor, build, verify/m);
  expect(process.exitCode).toBe(1);
  expect(summary()).toContain('### pg-bundle failed');
  const action = parse(readFileSync(join(packageRoot(), 'action.yml'), 'utf8'));
  expect(action.inputs.command).toMatchObject({ required: true });
  expect(action.inputs.command.default).toBeUndefined();
});

test('verbose: true prints debug lines; without it they stay runner debug output', async () => {
  const doctor = async (_o: unknown, ctx: { log: { debug(m: string): void } }) => {
    ctx.log.debug('the detail');
    return 0;
  };
  inputs({ command: 'doctor', verbose: 'true' });
  await runAction(process.env, { doctor });
  expect(log()).toMatch(/^debug: the detail$/m);
  stdout.length = 0;
  inputs({ verbose: 'false' });
  await runAction(process.env, { doctor });
  expect(log()).toMatch(/^::debug::the detail$/m);
});

test('a logged line that would read as a workflow command is printed behind a marker', async () => {
  const doctor = async (_o: unknown, ctx: { log: { info(m: string): void } }) => {
    ctx.log.info('from a manifest:\n::add-mask::hidden\n  ::stop-commands::token\nsee ##[error]x');
    return 0;
  };
  inputs({ command: 'doctor' });
  await runAction(process.env, { doctor });
  expect(log()).not.toMatch(/^\s*::(add-mask|stop-commands)::/m);
  expect(log()).not.toContain('##[');
  expect(log()).toContain('› ::add-mask::hidden');
});

test('a failed step says why in the job summary too, without the token', async () => {
  const token = 'ghs_0123456789abcdefghijABCDEFGHIJ';
  inputs({ command: 'publish', token });
  await runAction(process.env, {
    publish: async () => {
      throw new UserError(`GitHub rejected ${token} <b>`, 'pass --token with contents: write');
    },
  });
  expect(log()).toMatch(/^::error::GitHub rejected .*fix: pass input `token` with contents: write/m);
  expect(summary()).toContain('### pg-bundle publish failed');
  expect(summary()).toContain('&lt;b&gt;');
  expect(summary()).toContain('pass input `token`');
  expect(summary()).not.toContain(token);
});

test('a typo in args is a one-line error naming the input, not ENOENT', async () => {
  inputs({ command: 'publish', args: 'artifcats', 'dry-run': 'true', out: tempDir() });
  await runAction(process.env);
  expect(log()).toMatch(/^::error::the artifact directory artifcats does not exist%0A.*input `args`/m);
  expect(log()).not.toMatch(/ENOENT|scandir/);
});

test("bundle.yml's callers are told what they set: its inputs and the calling job's permissions", async () => {
  process.env[REUSABLE_WORKFLOW_ENV] = 'bundle.yml';
  const out = tempDir();
  makeArtifactDir(out, [15]);
  inputs({ command: 'publish', out, repository: 'acme/bundles', token: '' });
  await runAction(process.env);
  const error = log()
    .split('\n')
    .find((l) => l.startsWith('::error::'));
  expect(error).toMatch(/publish needs a GitHub token/);
  expect(error).toContain("the calling job's `permissions:` block, `contents: write`");
  expect(error).not.toContain('input `token`');
  // every input bundle.yml passes from its own inputs is named as bundle.yml's
  const bundle = parse(readFileSync(join(packageRoot(), '.github/workflows/bundle.yml'), 'utf8')) as {
    env: Record<string, string>;
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, string> }[] }>;
  };
  expect(bundle.env[REUSABLE_WORKFLOW_ENV]).toBe('bundle.yml');
  for (const job of Object.values(bundle.jobs))
    for (const step of job.steps.filter((s) => s.uses === './.pg-bundle'))
      for (const [input, value] of Object.entries(step.with ?? {})) {
        const own = /inputs\.([a-z0-9-]+)/.exec(String(value))?.[1];
        if (own)
          expect([input, REUSABLE_WORKFLOW_WORDS[input]]).toEqual([input, `bundle.yml input \`${own}\``]);
        else if (input === 'token') expect(REUSABLE_WORKFLOW_WORDS.token).toContain('CONSUMER_TOKEN');
      }
});

describe('fetch in the action', () => {
  let fake: FakeGitHub;
  beforeAll(async () => {
    fake = await FakeGitHub.start();
  });
  afterAll(() => fake.stop());

  test('writes a job summary; a pin naming a missing release is an error naming only inputs fetch has', async () => {
    fake.seedRepo({ repo: 'acme/bundles' });
    fake.seedRepo({
      repo: 'acme/pageserver',
      files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
      knownOwners: ['@acme/storage'],
    });
    const out = tempDir();
    makeArtifactDir(out, [15]);
    const ctx = testContext();
    const api = { token: fake.token, apiUrl: fake.baseUrl };
    expect(await publishCommand({ out, repository: 'acme/bundles', tag: 'bundle-t1', ...api }, ctx)).toBe(0);
    const { pinText } = await bumpAndReadPin(fake, {
      out,
      repository: 'acme/pageserver',
      storageTeam: '@acme/storage',
    });
    const pinFile = join(tempDir(), 'postgres-bundle.json');
    writeFileSync(pinFile, pinText);
    const distrib = join(tempDir(), 'pg_install');
    inputs({
      command: 'fetch',
      'pin-file': pinFile,
      out: distrib,
      token: fake.token,
      'api-url': fake.baseUrl,
    });
    await runAction(process.env);
    expect(process.exitCode).toBeUndefined();
    expect(summary()).toMatch(
      /### pg-bundle fetch\n\nUnpacked `bundle-t1` \(linux-x86_64\) into `.*pg_install`: v15 \(PostgreSQL 15\.4\)/,
    );

    writeFileSync(pinFile, pinText.replace(/bundle-t1/g, 'bundle-gone'));
    writeFileSync(summaryFile, '');
    stdout.length = 0;
    await runAction(process.env);
    const error = log()
      .split('\n')
      .find((l) => l.startsWith('::error::'));
    expect(error).toMatch(/not found while reading release bundle-gone.*check the pin file's assetUrl/);
    const fetchInputs = optionsFor('fetch').map((s) => s.input);
    for (const input of namedInputs(error ?? '')) expect(fetchInputs).toContain(input);
    expect(summary()).toContain('### pg-bundle fetch failed');
  }, 60_000);
});
