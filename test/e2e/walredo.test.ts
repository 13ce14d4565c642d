/**
 * The walredo conformance suite against a real bundle (needs the walredo module of issue 5):
 *
 *   PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE=<bundle dir with vNN/> [PG_BUNDLE_E2E_VERSION=15] \
 *     [PG_BUNDLE_E2E_WALDUMP=<pg_waldump of the same major>] npx jest --runInBand test/e2e/walredo
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWal } from '../../src/walredo/corpus/generate-wal';
import { runWalRedoStage, walRedoPaths, walRedoStarter } from '../../src/walredo/suite';
import { reportMarkdown } from '../support/walredo-report';
import { loadStoredCorpus } from '../support/stored-corpus';
import { loadWalDirectory } from '../../src/walredo/wal/files';
import { WalReader } from '../../src/walredo/wal/reader';
import { decodeRecord } from '../../src/walredo/wal/record';
import { compareWithWaldump, parseWaldump, toWaldumpView } from '../support/wal/waldump';
import { parseLsn } from '../../src/walredo/wal/constants';

const bundle = process.env.PG_BUNDLE_E2E_BUNDLE;
const FIXTURE_VECTORS = join(__dirname, '../fixtures/walredo/vectors-v15.jsonl.gz');

if (!bundle) {
  test('PG_BUNDLE_E2E_BUNDLE names the bundle to test', () => {
    throw new Error(
      'set PG_BUNDLE_E2E_BUNDLE to a bundle directory (with vNN/bin/postgres built with --walredo builtin or fork)',
    );
  });
} else {
  const major = Number(process.env.PG_BUNDLE_E2E_VERSION ?? onlyMajor(bundle));
  jest.setTimeout(30 * 60 * 1000);

  test(`v${major}: the full walredo stage passes on a generated corpus (>= 2,000 vectors, >= 8 rmgrs)`, async () => {
    const report = await runWalRedoStage(bundle, major, {});
    console.log(reportMarkdown(major, report));
    expect(report.protocol.tests.filter((t) => !t.passed)).toEqual([]);
    expect(report.vectors.failures).toEqual([]);
    expect(report.status).toBe('pass');
    // measured from the binary: upstream's 22 built-in resource managers (XLOG..LogicalMessage), no custom one
    expect(report.rmgrs).toEqual({ builtin: Array.from({ length: 22 }, (_, i) => i), custom: [] });
    expect(report.vectors.passed).toBeGreaterThanOrEqual(2000);
    expect(Object.values(report.vectors.byRmgr).filter((c) => c.passed > 0).length).toBeGreaterThanOrEqual(8);
  });

  if (major === 15) {
    test('v15: every stored vector passes', async () => {
      const report = await runWalRedoStage(bundle, major, { corpus: loadStoredCorpus(FIXTURE_VECTORS) });
      expect(report.vectors.failures).toEqual([]);
      expect(report.vectors.failed).toBe(0);
      expect(report.vectors.passed).toBeGreaterThanOrEqual(50);
    });
  }

  test(`v${major}: two walredo processes side by side answer independently`, async () => {
    const start = walRedoStarter(bundle, major);
    const a = start();
    const b = start();
    try {
      const [pa, pb] = await Promise.all([a.ping(), b.ping()]);
      expect(pa.every((x) => x === 0) && pb.every((x) => x === 0)).toBe(true);
      expect((await a.close(10000)).code).toBe(0);
      expect((await b.ping()).length).toBe(8192);
    } finally {
      a.kill();
      b.kill();
    }
  });

  const waldump = process.env.PG_BUNDLE_E2E_WALDUMP;
  if (waldump) {
    test(`v${major}: the WAL reader agrees with pg_waldump on the corpus WAL`, async () => {
      const out = mkdtempSync(join(tmpdir(), 'pgb-e2e-wal-'));
      try {
        const gen = await generateWal({ binDir: walRedoPaths(bundle, major).bin, outDir: out, scale: 0.1 });
        const files = readdirSync(out).sort();
        let dump: string;
        try {
          dump = execFileSync(
            waldump,
            ['--bkp-details', '-s', gen.startLsn, '-p', out, files[0], files[files.length - 1]],
            { encoding: 'utf8', maxBuffer: 1 << 30 },
          );
        } catch (e) {
          dump = (e as { stdout: string }).stdout;
        }
        const wal = loadWalDirectory(out, major);
        const records = new WalReader(wal).readAll(parseLsn(gen.startLsn)).records;
        const cmp = compareWithWaldump(
          parseWaldump(dump),
          records.map((r) => toWaldumpView(r, decodeRecord(r.raw, wal.format))),
        );
        expect(cmp.mismatches).toEqual([]);
        expect(cmp.agreeing).toBeGreaterThan(1000);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });
  }
}

/** The one vNN/ of a single-version bundle (a bundle of several names the version to test). */
function onlyMajor(dir: string): number {
  const majors = readdirSync(dir).filter((d) => /^v\d+$/.test(d));
  if (majors.length !== 1)
    throw new Error(`set PG_BUNDLE_E2E_VERSION: ${dir} has ${majors.join(', ') || 'no vNN directories'}`);
  return Number(majors[0].slice(1));
}
