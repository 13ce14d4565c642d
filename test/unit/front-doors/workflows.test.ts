/**
 * The reusable workflow and the examples, read as GitHub reads them (the parser and actionlint run
 * in `npm run lint:workflows`): facts the validators do not check.
 */
import { existsSync, readFileSync } from 'node:fs';
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
  const running = Object.entries(bundle.jobs).filter(([, job]) =>
    (job.steps ?? []).some((s) => s.uses === './.pg-bundle'),
  );
  expect(running.map(([name]) => name)).toEqual(['build', 'cross-check', 'publish', 'pin-bump']);
  for (const [name, job] of running) {
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
  for (const glob of ['src/compile/**', 'src/source/**', 'src/core/platform.ts', 'modules/**', 'runtime/**'])
    expect(key).toContain(glob);
  const ci = read('.github/workflows/ci.yml');
  for (const glob of [
    'src/compile/**',
    'src/core/platform.ts',
    'modules/**',
    'runtime/**',
    'steps.image.outputs.image',
  ])
    expect(ci).toContain(glob);
  // every path a key hashes exists (a folder renamed under a key would leave it hashing nothing)
  const hashed = [...(key + ci).matchAll(/hashFiles\(([^)]*)\)/g)].flatMap((m) =>
    [...m[1].matchAll(/'([^']+)'/g)].map((q) => q[1].replace(/^\.pg-bundle\//, '').replace(/\/\*\*$/, '')),
  );
  expect(hashed.length).toBeGreaterThan(4);
  for (const path of hashed) expect([path, existsSync(join(packageRoot(), path))]).toEqual([path, true]);
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
  'examples/pageserver-compatibility.yml',
])('%s pins third-party actions to full commit SHAs with a version comment', (file) => {
  for (const line of read(file).split('\n')) {
    const m = /^\s*(?:-\s*)?uses:\s*([^\s#]+)(.*)$/.exec(line);
    if (!m || m[1].startsWith('./') || m[1].startsWith('pg-bundle/')) continue;
    expect([file, line.trim()]).toEqual([file, expect.stringMatching(/@[0-9a-f]{40} # v\d/)]);
  }
});

test('pageserver-compatibility.yml re-evaluates the status when the label is added or removed, with the least permissions', () => {
  const doc = parse(read('examples/pageserver-compatibility.yml')) as {
    on: { pull_request: { types: string[] } };
    jobs: Record<string, Job & { permissions?: Record<string, string>; if?: string }>;
  };
  expect(doc.on.pull_request.types).toEqual(['labeled', 'unlabeled']);
  const job = doc.jobs.compatibility;
  expect(job.if).toContain("github.event.label.name == 'compatibility-accepted'");
  expect(job.permissions).toEqual({ contents: 'read', 'pull-requests': 'read', statuses: 'write' });
  expect(job.steps?.map((s) => s.with?.command)).toEqual(['compatibility-status']);
  expect(job.steps?.[0].with?.['pull-request']).toBe('${{ github.event.pull_request.number }}');
});

type Workflow = {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, Job & { permissions?: Record<string, string>; if?: string }>;
};

test('outdated.yml: weekly and manual; only the dispatch job may write actions; bundle.yml attests in its own job only', () => {
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
      name === 'attest' ? [name, true, 'write', 'write'] : [name, false, undefined, undefined],
    );
  }
  // pin-bump does not wait for the attestation; the attestation can be switched off
  expect((reusable.jobs['pin-bump'] as { needs?: string }).needs).toBe('publish');
  expect(reusable.jobs.attest.if).toBe('inputs.attest != false');
  const inputs = (reusable.on as { workflow_call: { inputs: Record<string, { type: string }> } })
    .workflow_call.inputs;
  expect([inputs.tag?.type, inputs.attest?.type]).toEqual(['string', 'boolean']);
  const publishStep = reusable.jobs.publish.steps?.find((s) => s.id === 'publish');
  expect(publishStep?.with?.tag).toBe('${{ inputs.tag }}');
});

const LEVEL: Record<string, number> = { none: 0, read: 1, write: 2 };
type Permissions = Record<string, string>;

/** What the jobs of bundle.yml request, scope by scope (the highest level any job asks for). */
function requestedByBundle(): Permissions {
  const reusable = parse(bundleText) as Workflow;
  const wanted: Permissions = {};
  for (const job of Object.values(reusable.jobs))
    for (const [scope, level] of Object.entries(job.permissions ?? reusable.permissions ?? {}))
      if ((LEVEL[level] ?? 0) > (LEVEL[wanted[scope]] ?? 0)) wanted[scope] = level;
  return wanted;
}

/** Each job that calls bundle.yml in a workflow text, with the permissions it grants (job, else workflow). */
function callers(text: string, where: string): { where: string; grants?: Permissions }[] {
  const doc = parse(text) as Partial<Workflow> | null;
  return Object.entries(doc?.jobs ?? {})
    .filter(([, job]) => /\/\.github\/workflows\/bundle\.yml@/.test(String((job as { uses?: string }).uses)))
    .map(([name, job]) => ({ where: `${where} job ${name}`, grants: job.permissions ?? doc?.permissions }));
}

/** Scopes the caller grants less of than the called jobs request ("read-all"/"write-all" strings aside). */
function shortfall(grants: Permissions | undefined, wanted: Permissions): string[] {
  if (!grants) return ['no permissions block: the default token permissions depend on repository settings'];
  return Object.entries(wanted)
    .filter(([scope, level]) => (LEVEL[grants[scope]] ?? 0) < LEVEL[level])
    .map(([scope, level]) => `${scope}: ${grants[scope] ?? 'none'} < ${level}`);
}

test('callers in examples/ and the README grant what bundle.yml requests (else GitHub refuses the run)', () => {
  const wanted = requestedByBundle();
  expect(wanted).toMatchObject({ contents: 'write', 'id-token': 'write', attestations: 'write' });
  const readme = read('README.md');
  const blocks = [...readme.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const found = [
    ...callers(read('examples/compute-repo.yml'), 'examples/compute-repo.yml'),
    ...callers(read('examples/pageserver-consume.yml'), 'examples/pageserver-consume.yml'),
    ...blocks.flatMap((b, i) => callers(b, `README.md yaml block ${i + 1}`)),
  ];
  expect(found.map((c) => c.where.split(' ')[0]).sort()).toEqual(['README.md', 'examples/compute-repo.yml']);
  for (const c of found) expect([c.where, shortfall(c.grants, wanted)]).toEqual([c.where, []]);
});

test('the build cache is one a tag run can restore: no commit in the key, saved by default-branch runs', () => {
  const build = bundle.jobs.build.steps ?? [];
  const keyStep = build.find((s) => s.id === 'key');
  // the built directories' git objects, never the repository's commit
  expect(keyStep?.run).not.toMatch(/rev-parse HEAD(?!:)|submodule status|github\.sha/);
  expect(keyStep?.run).toContain('git rev-parse --verify -q "HEAD:');
  const cache = build.find((s) => s.uses?.startsWith('actions/cache'));
  const key = String(cache?.with?.key);
  expect(key).not.toMatch(/github\.sha|github\.ref/);
  // each restore key is a prefix of the key: a snapshot of other sources (or inputs) is restored
  const restoreKeys = String(cache?.with?.['restore-keys']).trim().split('\n');
  expect(restoreKeys.length).toBeGreaterThanOrEqual(1);
  for (const prefix of restoreKeys) expect(key.startsWith(prefix.trim())).toBe(true);
  // the example runs on its default branch too (caches are scoped to the ref: a tag run reads the
  // default branch's), publishing only from tags
  const example = parse(read('examples/compute-repo.yml')) as Workflow & {
    jobs: Record<string, { with?: Record<string, unknown> }>;
  };
  const on = example.on as Record<string, { branches?: string[] } | null>;
  expect(Boolean(on.schedule) || Boolean(on.push?.branches)).toBe(true);
  expect(example.jobs.bundle.with?.publish).toBe("${{ github.ref_type == 'tag' }}");
});
