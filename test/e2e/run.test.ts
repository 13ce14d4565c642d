/**
 * `pg-bundle run` on the real bundle, not a dry run, against FakeGitHub (a FAKE of GitHub's REST API):
 * the build stage takes the bundle test/run-all.sh built (building again would only repeat it), the
 * verify, publish and pin-bump stages are the real ones. It ends with a release and an open pin-bump PR.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRunCommand } from '../../src/commands/run';
import { stringOption } from '../../src/core/context';
import { normaliseOptions } from '../../src/core/normalise-options';
import { pinBumpCommand } from '../../src/pin-bump/command';
import { publishCommand } from '../../src/publish/command';
import { verifyCommand } from '../../src/verify/command';
import { FakeGitHub } from '../fake-github';
import { testContext } from '../unit/publish/helpers';
import { requireBundle } from './bundle-env';

jest.setTimeout(20 * 60_000);
const { out: built, version } = requireBundle();

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await FakeGitHub.start();
});
afterAll(async () => {
  await fake.stop();
});

test(`run v${version}: verify → publish → pin-bump ends with a release and an open pull request`, async () => {
  fake.seedRepo({ repo: 'acme/compute' });
  fake.seedRepo({
    repo: 'acme/storage',
    files: { '.github/CODEOWNERS': '/pageserver/postgres-bundle.json @acme/storage-team\n' },
    knownOwners: ['@acme/storage-team'],
  });
  const run = makeRunCommand({
    build: async (options) => {
      const out = stringOption(options, 'out') as string;
      cpSync(join(built, `v${version}`), join(out, `v${version}`), { recursive: true });
      const manifest = JSON.parse(readFileSync(join(built, 'manifest.json'), 'utf8'));
      manifest.versions = { [String(version)]: manifest.versions[String(version)] };
      delete manifest.versions[String(version)].conformance; // verify must earn it again
      writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2));
      return 0;
    },
    verify: verifyCommand,
    publish: publishCommand,
    pinBump: pinBumpCommand,
  });
  const ctx = testContext();
  const options = normaliseOptions('run', {
    out: mkdtempSync(join(tmpdir(), 'pgb-e2e-run-')),
    pg: String(version),
    repository: 'acme/compute',
    consumerRepository: 'acme/storage',
    storageTeam: '@acme/storage-team',
    token: fake.token,
    apiUrl: fake.baseUrl,
  });
  const code = await run(options, ctx);
  if (code !== 0) throw new Error(ctx.log.lines.join('\n'));
  const [release] = fake.releases('acme/compute');
  expect(release).toMatchObject({ draft: false, tagName: ctx.outputs.tag });
  expect(fake.pulls('acme/storage')).toEqual([
    expect.objectContaining({ state: 'open', head: 'pg-bundle/bump' }),
  ]);
  expect(ctx.outputs['pin-bump-result']).toBe('created');
});
