/**
 * The reusable workflow and the examples, read as GitHub reads them (the parser and actionlint run
 * in `npm run lint:workflows`): facts the validators do not check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../../src/util/package-root';

type Step = { uses?: string; with?: Record<string, unknown>; run?: string; id?: string };
type Job = { steps?: Step[]; concurrency?: { group: string }; outputs?: Record<string, string> };
const read = (path: string) => readFileSync(join(packageRoot(), path), 'utf8');
const bundleText = read('.github/workflows/bundle.yml');
const bundle = parse(bundleText) as {
  on: { workflow_call: { secrets: Record<string, unknown>; outputs: Record<string, { value: string }> } };
  jobs: Record<string, Job>;
};
const FILES = ['.github/workflows/bundle.yml', '.github/workflows/ci.yml', 'examples/compute-repo.yml'];

/** GitHub's rule for secret names: [A-Za-z0-9_], not starting with a digit or GITHUB_. */
const VALID_SECRET = /^(?!GITHUB_)[A-Za-z_][A-Za-z0-9_]*$/i;

test.each(FILES)('%s names only secrets that can exist', (file) => {
  const text = read(file);
  for (const m of text.matchAll(/secrets\.([A-Za-z0-9_-]+)/g))
    if (m[1] !== 'GITHUB_TOKEN') expect(m[1]).toMatch(VALID_SECRET);
  const doc = parse(text) as { on?: { workflow_call?: { secrets?: Record<string, unknown> } } };
  for (const name of Object.keys(doc.on?.workflow_call?.secrets ?? {})) expect(name).toMatch(VALID_SECRET);
});

test('bundle.yml runs the pg-bundle of its own commit, never a hard-coded repository or main', () => {
  expect(bundleText).not.toMatch(/pg-bundle\/pg-bundle|pg-bundle-ref/);
  for (const [name, job] of Object.entries(bundle.jobs)) {
    const own = (job.steps ?? []).find((s) => s.with?.path === '.pg-bundle');
    expect([name, own?.with]).toEqual([
      name,
      { repository: '${{ job.workflow_repository }}', ref: '${{ job.workflow_sha }}', path: '.pg-bundle' },
    ]);
  }
  const sources = bundle.jobs.build.steps?.find(
    (s) => s.uses?.startsWith('actions/checkout') && !s.with?.path,
  );
  expect(sources?.with?.submodules).toBe('recursive');
});

test('the compiled-tree cache key hashes the inputs, the runner image and the build code', () => {
  const cache = bundle.jobs.build.steps?.find((s) => s.uses?.startsWith('actions/cache'));
  const key = String(cache?.with?.key);
  for (const part of ['runner.os', 'steps.key.outputs.image', 'steps.key.outputs.inputs', 'matrix.version'])
    expect(key).toContain(part);
  for (const glob of ['src/build/**', 'src/source/**', 'modules/**', 'runtime/**'])
    expect(key).toContain(glob);
  const ci = read('.github/workflows/ci.yml');
  for (const glob of ['src/build/**', 'modules/**', 'runtime/**', 'steps.image.outputs.image'])
    expect(ci).toContain(glob);
});

test('artifact uploads overwrite (re-runs work); callers get tag, release and pull request URLs', () => {
  const uploads = Object.values(bundle.jobs).flatMap((j) =>
    (j.steps ?? []).filter((s) => s.uses?.startsWith('actions/upload-artifact')),
  );
  expect(uploads.length).toBeGreaterThan(0);
  for (const u of uploads) expect(u.with?.overwrite).toBe(true);
  expect(Object.keys(bundle.on.workflow_call.outputs).sort()).toEqual([
    'pull-request-url',
    'release-url',
    'tag',
  ]);
  expect(bundle.jobs['pin-bump'].concurrency?.group).toContain('inputs.consumer-repository');
});

test.each([
  '.github/workflows/bundle.yml',
  '.github/workflows/outdated.yml',
  'examples/compute-repo.yml',
  'examples/pageserver-consume.yml',
])('%s pins third-party actions to full commit SHAs with a version comment', (file) => {
  for (const line of read(file).split('\n')) {
    const m = /uses:\s*([^\s#]+)(.*)$/.exec(line);
    if (!m || m[1].startsWith('./') || m[1].startsWith('pg-bundle/')) continue;
    expect([file, line.trim()]).toEqual([file, expect.stringMatching(/@[0-9a-f]{40} # v\d/)]);
  }
});

type Workflow = {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, Job & { permissions?: Record<string, string>; if?: string }>;
};

test('outdated.yml: weekly and manual; only the dispatch job may write actions; bundle.yml attests in publish only', () => {
  const outdated = parse(read('.github/workflows/outdated.yml')) as Workflow;
  expect(Object.keys(outdated.on as object).sort()).toEqual(['schedule', 'workflow_dispatch']);
  expect(outdated.permissions).toEqual({ contents: 'read' });
  expect(outdated.jobs.check.permissions).toEqual({ contents: 'read' });
  expect(outdated.jobs.rebuild.permissions).toEqual({ actions: 'write' });
  expect(outdated.jobs.rebuild.if).toContain("needs.check.outputs.outdated == 'true'");
  const reusable = parse(bundleText) as Workflow;
  for (const [name, job] of Object.entries(reusable.jobs)) {
    const perms = (job.permissions ?? {}) as Record<string, string>;
    const attests = (job.steps ?? []).some((s) => s.uses?.startsWith('actions/attest-build-provenance@'));
    expect([name, attests, perms['id-token'], perms.attestations]).toEqual(
      name === 'publish' ? [name, true, 'write', 'write'] : [name, false, undefined, undefined],
    );
  }
});
