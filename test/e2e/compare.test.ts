/**
 * End-to-end compare on a real bundle (PG_BUNDLE_E2E_BUNDLE; PG_BUNDLE_E2E_VERSION picks the major):
 * against an exact copy (no differences), against a copy whose share/ was altered (catalog rows
 * differ), and, when PG_BUNDLE_E2E_COMPARE_BUNDLE names a bundle of the same major built with
 * another ICU, against that one (collation order differs; the index verdicts are reported).
 *   PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE=/tmp/b15 PG_BUNDLE_E2E_VERSION=15 npx jest test/e2e/compare.test.ts
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCommand } from '../../src/compare/command';
import { CompareReport } from '../../src/compare/report';
import { CommandContext } from '../../src/core/context';
import { MemoryLogger } from '../support/memory-logger';
import { namedBundle, requireBundle } from './bundle-env';

jest.setTimeout(20 * 60_000);

const { out, version } = requireBundle();
const work = mkdtempSync(join(tmpdir(), 'compare-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function compare(
  oldDir: string,
  newDir: string,
): Promise<{ code: number; report: CompareReport; md: string }> {
  const summaries: string[] = [];
  const ctx: CommandContext = {
    log: new MemoryLogger(),
    args: [oldDir, newDir],
    setOutput: () => undefined,
    addSummary: async (md) => void summaries.push(md),
    setSecret: () => undefined,
  };
  const reportPath = join(work, `report-${Date.now()}.json`);
  const code = await compareCommand({ pg: String(version), report: reportPath }, ctx);
  return {
    code,
    report: JSON.parse(readFileSync(reportPath, 'utf8')) as CompareReport,
    md: summaries.join('\n'),
  };
}

function copyOf(name: string, alter?: (dir: string) => void): string {
  const dir = join(work, name);
  cpSync(join(out, `v${version}`), join(dir, `v${version}`), { recursive: true });
  alter?.(dir);
  return dir;
}

it('finds no difference between a bundle and its copy', async () => {
  const { code, report, md } = await compare(out, copyOf('same'));
  expect(md).toContain('no differences');
  expect(report.differences).toBe(0);
  const m = report.majors[0];
  expect(m.collations?.measured && m.collations.compared).toBeGreaterThan(0);
  expect(m.walredo?.measured && m.walredo.vectors).toBeGreaterThan(0);
  expect(code).toBe(0);
});

it('reports the catalog rows an altered share/ changes', async () => {
  const altered = copyOf('altered', (dir) => {
    const file = join(dir, `v${version}`, 'share/postgresql/sql_features.txt');
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[0] = lines[0].replace(/\t[^\t]*$/, '\tchanged by the compare test');
    writeFileSync(file, lines.join('\n'));
  });
  const { code, report } = await compare(out, altered);
  const catalog = report.majors[0].catalog;
  expect(catalog?.measured && catalog.byTable['information_schema.sql_features']).toBe(2);
  expect(code).toBe(1);
});

const other = namedBundle('PG_BUNDLE_E2E_COMPARE_BUNDLE');
(other ? it : it.skip)(
  'reports collation order and index verdicts against a bundle with another ICU',
  async () => {
    const { code, report, md } = await compare(other!.dir, out);
    const c = report.majors[0].collations;
    expect(c?.measured && c.changed.length).toBeGreaterThan(0);
    expect(report.majors[0].indexes?.measured).toBe(true);
    expect(md).toContain('examples (old order → new order)');
    expect(code).toBe(1);
    // the measured table, for the CI log (docs/pin-bump.md's "What a pin bump measures" quotes such a run)
    console.log(md);
  },
);
