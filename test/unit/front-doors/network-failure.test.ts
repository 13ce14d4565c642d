/**
 * A GitHub API that does not answer: publish, pin-bump, fetch and rebuild-check, run through both
 * front doors against a closed port on this machine (real HTTP, the real Octokit and its retries),
 * end with the one error naming the host, what failed and --api-url; never a stack trace. The
 * inputs (a published bundle, its pin) come from a publish → pin-bump chain on FakeGitHub, which
 * is then stopped: its port is the closed one.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputEnvName, runAction } from '../../../src/action/main';
import { main } from '../../../src/cli/main';
import {
  connectionFailure,
  explainNetworkFailure,
  failureDetail,
  networkFailure,
} from '../../../src/github/errors';
import { publishCommand } from '../../../src/publish/command';
import { UserError } from '../../../src/util/errors';
import { FakeGitHub } from '../../fake-github';
import { bumpAndReadPin, makeArtifactDir, tempDir, testContext } from '../publish/helpers';

const RELEASES = 'acme/compute';
const CONSUMER = 'acme/storage';
const TAG = 'bundle-15.4-net0001';
const TOKEN = 'ghs_closedPortToken0123456789';

let apiUrl: string;
let host: string;
let published: string;
let pinPath: string;
let saved: NodeJS.ProcessEnv;

beforeAll(async () => {
  const fake = await FakeGitHub.start();
  fake.seedRepo({ repo: RELEASES });
  fake.seedRepo({
    repo: CONSUMER,
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage\n' },
    knownOwners: ['@acme/storage'],
  });
  published = tempDir('pgb-net-published-');
  makeArtifactDir(published, [15]);
  const common = { out: published, repository: RELEASES, tag: TAG, token: fake.token, apiUrl: fake.baseUrl };
  expect(await publishCommand(common, testContext())).toBe(0);
  const { pinText } = await bumpAndReadPin(fake, {
    out: published,
    repository: CONSUMER,
    storageTeam: '@acme/storage',
  });
  pinPath = join(tempDir('pgb-net-pin-'), 'postgres-bundle.json');
  writeFileSync(pinPath, pinText);
  apiUrl = fake.baseUrl;
  host = new URL(apiUrl).host;
  await fake.stop(); // nothing listens on its port any more
});

beforeEach(() => {
  saved = { ...process.env };
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN', 'GITHUB_API_URL', 'GITHUB_REPOSITORY'])
    delete process.env[name];
  process.env.PG_BUNDLE_RETRY_BASE_MS = '1';
});
afterEach(() => {
  process.env = saved;
  process.exitCode = undefined;
});

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A bundle not published yet. */
function freshBundle(): string {
  const out = tempDir('pgb-net-bundle-');
  makeArtifactDir(out, [15], 'b');
  return out;
}

/** Runs the CLI; its exit code and everything it wrote to stderr. */
async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  const quiet = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  // Octokit's deprecation notices go to console.warn, which jest keeps apart from stderr
  const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    const code = await main(['node', 'pg-bundle', ...args]);
    expect(warned).not.toHaveBeenCalled();
    return { code, stderr: written.join('') };
  } finally {
    spy.mockRestore();
    quiet.mockRestore();
    warned.mockRestore();
  }
}

describe('the CLI against a GitHub API that refuses connections', () => {
  test.each([
    [
      'publish',
      () => ['publish', '--out', freshBundle(), '--repository', RELEASES, '--tag', 'bundle-net-2'],
      `publishing bundle-net-2`,
    ],
    [
      'pin-bump',
      () => [
        'pin-bump',
        '--out',
        published,
        '--consumer-repository',
        CONSUMER,
        '--storage-team',
        '@acme/storage',
      ],
      'reading the repository',
    ],
    [
      'fetch',
      () => ['fetch', '--pin-file', pinPath, '--out', join(tempDir('pgb-net-fetch-'), 'pg')],
      `reading release ${TAG}`,
    ],
    [
      'rebuild-check',
      () => ['rebuild-check', '--repository', RELEASES, '--tag', TAG],
      `reading release ${TAG}`,
    ],
  ])('%s: one error naming the host, what failed and the fix; exit code 2', async (_name, args, doing) => {
    const { code, stderr } = await cli([...args(), '--token', TOKEN, '--api-url', apiUrl]);
    expect(code).toBe(2);
    // the retries are warnings; the end is the one error and its fix
    expect(stderr).toMatch(/^warning: .*network failure \(connect ECONNREFUSED .*retry \d\/4/m);
    const error = stderr.slice(stderr.indexOf('error: '));
    expect(error).toMatch(
      new RegExp(
        `^error: cannot reach the GitHub API at ${escaped(host)} while ${escaped(doing)}: connection refused \\(connect ECONNREFUSED ${escaped(host)}\\)\n` +
          ' {2}fix: check --api-url \\(or GITHUB_API_URL\\) and that this machine can reach that host \\(network, DNS, proxy\\), then run the command again\n$',
      ),
    );
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toMatch(/HttpError|Deprecation/);
    expect(stderr).not.toContain(TOKEN);
  });

  test('fetch without a token downloads the pinned URL itself: its error names what failed, not "500 fetch failed"', async () => {
    const { code, stderr } = await cli([
      'fetch',
      '--pin-file',
      pinPath,
      '--out',
      join(tempDir('pgb-net-fetch-'), 'pg'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      new RegExp(
        `^error: downloading http://${escaped(host)}/\\S+ failed: connection refused \\(connect ECONNREFUSED ${escaped(host)}\\)\n {2}fix: check the network and the pin file`,
        'm',
      ),
    );
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});

test('the action fails with the same one error, naming the input api-url', async () => {
  const stdout: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const inputs = { command: 'rebuild-check', repository: RELEASES, tag: TAG, 'api-url': apiUrl };
  for (const [name, value] of Object.entries(inputs)) process.env[inputEnvName(name)] = value;
  try {
    await runAction(process.env);
  } finally {
    spy.mockRestore();
  }
  const log = stdout.join('');
  expect(log).toMatch(
    new RegExp(
      `^::error::cannot reach the GitHub API at ${escaped(host)} while reading release ${escaped(TAG)}: connection refused .*%0A {2}fix: check input \`api-url\` \\(or GITHUB_API_URL\\)`,
      'm',
    ),
  );
  expect(process.exitCode).toBe(1);
});

describe('what counts as a network failure (the shapes @octokit/request throws)', () => {
  /** An Octokit RequestError as @octokit/request 8 builds it when its fetch failed. */
  function fetchFailed(message: string, url = 'https://api.github.com/repos/acme/compute/releases/tags/t1') {
    return Object.assign(new Error(message), {
      name: 'HttpError',
      status: 500,
      request: { method: 'GET', url, headers: { authorization: 'token [REDACTED]' } },
    });
  }

  test.each([
    ['getaddrinfo ENOTFOUND ghe.example', 'host name not found (getaddrinfo ENOTFOUND ghe.example)'],
    ['getaddrinfo EAI_AGAIN ghe.example', 'host name lookup failed (getaddrinfo EAI_AGAIN ghe.example)'],
    ['connect ETIMEDOUT 10.0.0.1:443', 'connection timed out (connect ETIMEDOUT 10.0.0.1:443)'],
    [
      'UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error',
      'connection timed out (UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error)',
    ],
    ['self-signed certificate', 'no answer (self-signed certificate)'],
  ])('%s → %s', (message, reason) => {
    expect(networkFailure(fetchFailed(message, 'https://ghe.example/api/v3/repos/acme/compute'))).toEqual({
      host: 'ghe.example',
      request: 'GET /api/v3/repos/acme/compute',
      reason,
    });
  });

  test('a newer Octokit that keeps the cause: the code is read from it', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED ::1:443'), { code: 'ECONNREFUSED' });
    const err = Object.assign(fetchFailed('fetch failed'), { cause });
    expect(networkFailure(err)?.reason).toBe('connection refused (connect ECONNREFUSED ::1:443)');
  });

  test("what undici's fetch throws, in words: the cause's message and code", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const closed = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    const everyAddress = Object.assign(new AggregateError([refused], ''), { code: 'ECONNREFUSED' });
    const fetchError = (cause: Error) => new TypeError('fetch failed', { cause });
    expect(connectionFailure(fetchError(refused))).toBe(
      'connection refused (connect ECONNREFUSED 127.0.0.1:1)',
    );
    expect(failureDetail(fetchError(closed))).toBe('UND_ERR_SOCKET: other side closed');
    expect(connectionFailure(fetchError(everyAddress))).toBe(
      'connection refused (connect ECONNREFUSED 127.0.0.1:1)',
    );
    expect(failureDetail(Object.assign(new Error(''), { code: 'ECONNRESET' }))).toBe('ECONNRESET');
    expect(failureDetail(fetchError(new Error('bad port')))).toBe('bad port');
    expect(connectionFailure(fetchError(new Error('bad port')))).toBeUndefined();
  });

  test('the fallback without a call names the request', () => {
    const err = explainNetworkFailure(fetchFailed('getaddrinfo ENOTFOUND api.github.com'));
    expect(err).toBeInstanceOf(UserError);
    expect(err?.message.split('\n')[0]).toBe(
      'cannot reach the GitHub API at api.github.com while sending GET /repos/acme/compute/releases/tags/t1: host name not found (getaddrinfo ENOTFOUND api.github.com)',
    );
  });

  test('an answer from GitHub, an error without a request, and a UserError are not network failures', () => {
    const answered = Object.assign(fetchFailed('Server Error'), { response: { status: 500, headers: {} } });
    expect(networkFailure(answered)).toBeUndefined();
    expect(networkFailure(Object.assign(fetchFailed('Not Found'), { status: 404 }))).toBeUndefined();
    expect(networkFailure(new Error('connect ECONNREFUSED 127.0.0.1:80'))).toBeUndefined();
    expect(networkFailure(new UserError('connect ECONNREFUSED 127.0.0.1:80'))).toBeUndefined();
    expect(networkFailure('ECONNREFUSED')).toBeUndefined();
  });
});
