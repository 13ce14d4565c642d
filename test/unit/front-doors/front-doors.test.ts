import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { actionYml } from '../../../src/action/action-yml';
import { INPUTS_PAGE, withInputsTable } from '../../../src/action/reference-tables';
import { inputEnvName, readInputs } from '../../../src/action/main';
import { main } from '../../../src/cli/main';
import { requiredPackages } from '../../../src/commands/doctor';
import { COMMANDS } from '../../../src/commands/registry';
import { OPTION_SPECS } from '../../../src/core/options';
import { packageRoot } from '../../../src/util/package-root';

describe('action.yml', () => {
  test('is up to date with the options table (run `npm run gen:action`)', () => {
    expect(readFileSync(join(packageRoot(), 'action.yml'), 'utf8')).toBe(actionYml());
  });
  test('the inputs table of docs/inputs.md is up to date (run `npm run gen:action`)', () => {
    const page = readFileSync(join(packageRoot(), INPUTS_PAGE), 'utf8');
    expect(withInputsTable(page)).toBe(page);
  });
  test('every option is an input passed to the step through env', () => {
    const doc = parse(actionYml());
    const step = doc.runs.steps.find((s: { id?: string }) => s.id === 'run');
    for (const spec of OPTION_SPECS) {
      expect(doc.inputs[spec.input]).toBeDefined();
      expect(step.env[inputEnvName(spec.input)]).toBe(`\${{ inputs.${spec.input} }}`);
    }
    expect(doc.inputs.token.default).toBe('${{ github.token }}');
  });
  test('every output a command sets is declared (and every declared output is set by a command)', () => {
    const set = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts'))
          for (const m of readFileSync(path, 'utf8').matchAll(/\bsetOutput\(\s*'([^']+)'/g)) set.add(m[1]);
      }
    };
    walk(join(packageRoot(), 'src'));
    expect(set).toContain('identical');
    const declared = parse(actionYml()).outputs as Record<string, { value: string }>;
    expect(Object.keys(declared).sort()).toEqual([...set].sort());
    for (const [name, output] of Object.entries(declared))
      expect(output.value).toBe(`\${{ steps.run.outputs.${name} }}`);
  });
  test('the command and args inputs come from the command registry', () => {
    const doc = parse(actionYml());
    const names = COMMANDS.map((c) => c.name);
    for (const name of names) expect(doc.inputs.command.description).toContain(name);
    for (const c of COMMANDS.filter((x) => x.args))
      expect(doc.inputs.args.description).toContain(`${c.name} ${c.args}`);
    for (const spec of OPTION_SPECS) for (const command of spec.commands) expect(names).toContain(command);
  });
});

describe('doctor --print-packages', () => {
  test('prints the Debian packages build and verify need, once each and sorted', async () => {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['node', 'pg-bundle', 'doctor', '--print-packages'])).toBe(0);
    } finally {
      spy.mockRestore();
      process.exitCode = undefined;
    }
    expect(out.join('')).toBe(`packages=${requiredPackages().join(' ')}\n`);
    expect(requiredPackages()).toEqual(
      expect.arrayContaining(['gcc', 'libicu-dev', 'bubblewrap', 'util-linux']),
    );
    expect(requiredPackages()).toEqual([...new Set(requiredPackages())].sort());
  });
});

describe('action inputs map onto the same options as the CLI', () => {
  test('env names', () => {
    expect(inputEnvName('cache-dir')).toBe('PGB_INPUT_CACHE_DIR');
  });
  test('lists, booleans and defaults', () => {
    const opts = readInputs('build', {
      PGB_INPUT_VERSIONS: '15,18',
      PGB_INPUT_SOURCE: 'debian:postgresql-{v}',
      PGB_INPUT_MODULES: 'vendor/neon_walredo\nvendor/neon_rmgr',
      PGB_INPUT_KEEP_DEBUG: 'true',
      PGB_INPUT_INSTALL_DEPS: 'false',
    });
    expect(opts).toMatchObject({
      pg: '15,18',
      source: ['debian:postgresql-{v}'],
      module: ['vendor/neon_walredo', 'vendor/neon_rmgr'],
      keepDebug: true,
      installDeps: false,
      out: 'out',
      locales: 'C.UTF-8',
    });
  });
});

describe('boolean inputs are YAML 1.2 booleans, as core.getBooleanInput', () => {
  test.each(['true', 'True', 'TRUE'])('%s is true', (v) => {
    expect(readInputs('publish', { PGB_INPUT_DRY_RUN: v }).dryRun).toBe(true);
  });
  test.each(['false', 'False', 'FALSE'])('%s is false', (v) => {
    expect(readInputs('publish', { PGB_INPUT_DRY_RUN: v }).dryRun).toBe(false);
  });
  test.each(['on', 'yes', '1', 'tRUE', 'off'])('%s fails', (v) => {
    expect(() => readInputs('publish', { PGB_INPUT_DRY_RUN: v })).toThrow(/--dry-run is .*not a boolean/);
  });
});

describe('CLI', () => {
  let stderr: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    stderr = [];
    spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    process.exitCode = undefined;
  });

  test('bad input is a clear error with the fix, exit code 2, before any work', async () => {
    expect(await main(['node', 'pg-bundle', 'build', '--pg', '13', '--source', 'dir:/x'])).toBe(2);
    expect(stderr.join('')).toMatch(
      /'13' is not a supported PostgreSQL major version\n {2}fix: use one of 14, 15, 16, 17, 18/,
    );
  });
  test('a tarball without checksum is refused', async () => {
    expect(
      await main(['node', 'pg-bundle', 'build', '--pg', '15', '--source', 'tarball:/tmp/x.tar.bz2']),
    ).toBe(2);
    expect(stderr.join('')).toMatch(/needs a checksum/);
  });
  test('unknown options are refused by the parser', async () => {
    expect(await main(['node', 'pg-bundle', 'build', '--no-such-option'])).toBe(2);
  });
});
