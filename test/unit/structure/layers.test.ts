/**
 * The structure of src/, checked as CI runs it: dependency-cruiser with the project's layer
 * configuration (.dependency-cruiser.cjs) finds no import from a lower layer to a higher one and
 * no import circle; and the same configuration refuses a tree that has them.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../../src/util/package-root';

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: { name: string }[];
}

const CONFIG = join(packageRoot(), '.dependency-cruiser.cjs');
const DEPCRUISE = join(packageRoot(), 'node_modules', '.bin', 'depcruise');

/** Runs dependency-cruiser on `dir`'s src/ with the project's configuration (a real process). */
function cruise(dir: string): Violation[] {
  const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (!r.stdout) throw new Error(`depcruise printed nothing: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

const described = (v: Violation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (circle: ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

test('src/ imports only downward through its layers, and nothing imports in a circle', () => {
  expect(cruise(packageRoot()).map(described)).toEqual([]);
});

test('the reachability rule starts from files that exist: every src/ file package.json runs, and no other', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(CONFIG) as { forbidden: { name: string; from: { path: string } }[] };
  const rule = config.forbidden.find((r) => r.name === 'no-test-only-code');
  const entries = (rule?.from.path ?? '').split('|').map((p) => p.replace(/^\^|\$$/g, ''));
  const scripts = (
    JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const run = [
    ...new Set(Object.values(scripts).flatMap((line) => line.match(/\bsrc\/[\w/.-]+\.ts\b/g) ?? [])),
  ];
  expect(entries.sort()).toEqual(run.sort());
  for (const e of entries) expect(existsSync(join(packageRoot(), e))).toBe(true);
});

describe('the layer rules refuse what they are for', () => {
  let dir: string;
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgb-layers-'));
    // util (lowest) importing core (higher); core's two modules importing each other; a folder without a layer
    write('src/util/log.ts', "import { FACT } from '../core/fact';\nexport const LOG = FACT;\n");
    write('src/core/fact.ts', "import { OTHER } from './other';\nexport const FACT = OTHER;\n");
    write(
      'src/core/other.ts',
      "import type { FACT } from './fact';\nexport const OTHER = 1;\nexport type T = typeof FACT;\n",
    );
    write('src/newstage/thing.ts', "import { LOG } from '../util/log';\nexport const THING = LOG;\n");
    // a peer import inside one layer (verify and compile are peers)
    write('src/compile/build.ts', "import { CHECK } from '../verify/check';\nexport const BUILD = CHECK;\n");
    write('src/verify/check.ts', 'export const CHECK = 1;\n');
    // a layered folder importing a folder without a layer, test code, and a module that is not there
    write(
      'src/walredo/probe.ts',
      "import { THING } from '../newstage/thing';\nexport const PROBE = THING;\n",
    );
    write(
      'src/source/uses-test.ts',
      "import { HELP } from '../../test/support/help';\nexport const X = HELP;\n",
    );
    write('test/support/help.ts', 'export const HELP = 1;\n');
    write('src/github/missing.ts', "import { GONE } from './gone';\nexport const Y = GONE;\n");
    // anything outside src/ and packages (not only test/): an example workflow's helper
    write('examples/helper.ts', 'export const EXAMPLE = 1;\n');
    write(
      'src/publish/uses-example.ts',
      "import { EXAMPLE } from '../../examples/helper';\nexport const E = EXAMPLE;\n",
    );
    // an entry point, and a module it does not reach (only a test would import it); Node's own modules are fine
    write(
      'src/cli/index.ts',
      "import { join } from 'node:path';\nimport { LOG } from '../util/log';\nexport const MAIN = join(String(LOG));\n",
    );
    write('src/release/test-only.ts', 'export const ONLY_FOR_TESTS = 1;\n');
    // reached from another entry point only (a generator): not flagged
    write(
      'src/action/action-yml.ts',
      "import { GENERATED } from '../release/generated';\nexport const Y = GENERATED;\n",
    );
    write('src/release/generated.ts', 'export const GENERATED = 1;\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('an upward import, a peer import, a circle (held only by a type), folders without a layer, code outside src/, a module no entry point reaches and an unresolved import', () => {
    const found = cruise(dir).map((v) => `${v.rule.name}: ${v.from} → ${v.to}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'layer-util: src/util/log.ts → src/core/fact.ts',
        'layer-compile: src/compile/build.ts → src/verify/check.ts',
        'no-circular: src/core/fact.ts → src/core/other.ts',
        'layer-unknown-from: src/newstage/thing.ts → src/util/log.ts',
        'layer-unknown: src/walredo/probe.ts → src/newstage/thing.ts',
        'no-test-code: src/source/uses-test.ts → test/support/help.ts',
        'no-unresolvable: src/github/missing.ts → ./gone',
        'no-test-code: src/publish/uses-example.ts → examples/helper.ts',
        'no-test-only-code: src/release/test-only.ts → src/release/test-only.ts',
      ]),
    );
    // what the entry point reaches is not flagged, nor its import of Node's own module
    expect(
      found.filter((f) => /^no-test-only-code: src\/(cli|util|core|action)\/|generated/.test(f)),
    ).toEqual([]);
    expect(found.filter((f) => f.includes('node:path') || f.endsWith('→ path'))).toEqual([]);
  });
});
