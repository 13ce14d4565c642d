/**
 * The composite action's step run as the runner runs it: action.yml's `run` script in bash, with
 * the step's env (every `${{ inputs.x }}` replaced by the input's value or default),
 * GITHUB_ACTION_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY. It runs the committed dist/.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../../../src/util/package-root';

interface ActionDoc {
  inputs: Record<string, { default?: string }>;
  runs: {
    using: string;
    steps: { id?: string; uses?: string; shell: string; env: Record<string, string>; run: string }[];
  };
}

const action = parse(readFileSync(join(packageRoot(), 'action.yml'), 'utf8')) as ActionDoc;

function runStep(inputs: Record<string, string>, cwd: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-composite-'));
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary') };
  writeFileSync(files.output, '');
  writeFileSync(files.summary, '');
  const step = action.runs.steps.find((s) => s.id === 'run');
  if (!step) throw new Error('action.yml has no step with id run');
  const value = (name: string) => {
    const d = action.inputs[name]?.default ?? '';
    return inputs[name] ?? (d === '${{ github.token }}' ? '' : d);
  };
  const stepEnv = Object.fromEntries(
    Object.entries(step.env).map(([k, v]) => [
      k,
      v.replace(/\$\{\{ inputs\.([a-z0-9-]+) \}\}/g, (_, n) => value(n)),
    ]),
  );
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTION_PATH: packageRoot(),
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_REPOSITORY: 'example-org/compute',
      ...stepEnv,
    },
  });
  return {
    ...result,
    output: readFileSync(files.output, 'utf8'),
    summary: readFileSync(files.summary, 'utf8'),
  };
}

test("the action is composite, runs the runner's Node (no setup-node) and passes every input through env", () => {
  expect(action.runs.using).toBe('composite');
  expect(action.runs.steps.some((s) => s.uses)).toBe(false);
  const step = action.runs.steps.find((s) => s.id === 'run');
  for (const name of Object.keys(action.inputs))
    expect(Object.values(step?.env ?? {})).toContain(`\${{ inputs.${name} }}`);
});

test('doctor --print-packages sets the packages output', () => {
  const r = runStep({ command: 'doctor', 'print-packages': 'true' }, mkdtempSync(join(tmpdir(), 'pgb-ws-')));
  expect(r.status).toBe(0);
  expect(r.output).toMatch(/^packages<<ghadelimiter_.*\n.*\bgcc\b/m);
});

test('pin-bump --dry-run writes the would-be change, folds it, summarises it and calls nothing remote', () => {
  const ws = mkdtempSync(join(tmpdir(), 'pgb-ws-'));
  mkdirSync(join(ws, 'out', 'publish'), { recursive: true });
  copyFileSync(
    join(packageRoot(), 'test/fixtures/pin-bump/manifest-icu72.json'),
    join(ws, 'out', 'manifest.json'),
  );
  writeFileSync(
    join(ws, 'out', 'publish', 'SHA256SUMS'),
    `${'0'.repeat(64)}  pg-bundle-bundle-ci-linux-x86_64.tar.zst\n`,
  );
  const r = runStep(
    {
      command: 'pin-bump',
      tag: 'bundle-ci',
      'consumer-repository': 'example-org/storage',
      'dry-run': 'true',
      // a dry run must not use the API even when it is given one (nothing listens here)
      'api-url': 'http://127.0.0.1:9',
      token: 'not-used',
    },
    ws,
  );
  expect(r.stderr + r.stdout).not.toContain('::error::');
  expect(r.status).toBe(0);
  expect(r.output).toMatch(/^pin-bump-result<<ghadelimiter_.*\ndry-run\n/m);
  expect(r.stdout).toMatch(/^::group::would-be pull request body$/m);
  expect(r.summary).toContain('### pg-bundle pin-bump (dry run)');
  expect(r.summary).toContain('<details>');
  expect(readFileSync(join(ws, 'out', 'pin-bump', 'pin.diff'), 'utf8')).toContain('+  "tag": "bundle-ci"');
});

test("'on' is not a boolean: the step fails with an annotation naming the input", () => {
  const r = runStep({ command: 'publish', 'dry-run': 'on' }, mkdtempSync(join(tmpdir(), 'pgb-ws-')));
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/^::error::input `dry-run` is "on", which is not a boolean/m);
});

test('an older Node on PATH is refused with an annotation', () => {
  const bin = mkdtempSync(join(tmpdir(), 'pgb-old-node-'));
  writeFileSync(join(bin, 'node'), '#!/bin/sh\n[ "$1" = -p ] && echo 18 && exit 0\necho v18.0.0\n', {
    mode: 0o755,
  });
  const step = action.runs.steps.find((s) => s.id === 'run');
  const r = spawnSync('bash', ['-c', step?.run ?? ''], {
    encoding: 'utf8',
    env: { PATH: `${bin}:/usr/bin:/bin`, GITHUB_ACTION_PATH: packageRoot() },
  });
  expect(r.status).toBe(1);
  expect(r.stdout).toMatch(/^::error::pg-bundle needs Node.js 20 or newer on PATH \(found: v18.0.0\)/m);
});
