/**
 * Fork mode proven on a fork-shaped tree (issue 14 item 1): an upstream tree turned into a storage
 * fork by test/fixtures/fork/make-fork-tree.sh (main.c dispatches `postgres --wal-redo` to the
 * module fork_walredo; private shared memory; an in-memory storage manager), built with its own
 * walredo module and the resource-manager module that walredo loads at start:
 *
 *   test/fixtures/fork/make-fork-tree.sh <upstream tarball> /tmp/fork16
 *   pg-bundle build --pg 16 --source dir:/tmp/fork16 --walredo fork \
 *     --module test/fixtures/fork/fork_walredo --module test/fixtures/modules/pgb_test_rmgr \
 *     --walredo-preload pgb_test_rmgr --out /tmp/fork/out
 *   PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_FORK_BUNDLE=/tmp/fork/out npx jest --runInBand test/e2e/fork-mode
 *
 * Every version of the bundle's manifest is tested (PG_BUNDLE_E2E_VERSION narrows it to one).
 * test/run-all.sh builds v15..v18 this way, verifies them and runs this file.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../../src/core/manifest';
import { runWalRedoStage, walRedoStarter } from '../../src/walredo/suite';
import { WalRedoReport } from '../../src/walredo/suite/report';

const bundle = process.env.PG_BUNDLE_E2E_FORK_BUNDLE ?? '';
const RMGR = 'custom134';

/** SysV shared memory segments, as `ipcs -m` lists them (key, shmid, owner, ...). */
function sysvSegments(): string[] {
  return execFileSync('ipcs', ['-m'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^0x[0-9a-f]+\s+\d+/.test(l));
}

if (!bundle) {
  test('PG_BUNDLE_E2E_FORK_BUNDLE names a bundle built from a fork-shaped tree with --walredo fork', () => {
    throw new Error('set PG_BUNDLE_E2E_FORK_BUNDLE (test/run-all.sh builds such a bundle and sets it)');
  });
} else {
  const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as Manifest;
  const only = process.env.PG_BUNDLE_E2E_VERSION;
  const majors = Object.keys(manifest.versions)
    .map(Number)
    .filter((m) => !only || m === Number(only));
  jest.setTimeout(30 * 60 * 1000);

  describe.each(majors)('v%i', (major) => {
    const entry = manifest.versions[String(major)];
    let report: WalRedoReport | undefined;

    test("the manifest records fork mode, the fork's two modules and the resource manager it loads", () => {
      expect(entry.walredo).toMatchObject({
        mode: 'fork',
        modules: ['fork_walredo', 'pgb_test_rmgr'],
        preload: ['pgb_test_rmgr'],
      });
      const linked = entry.modules.map((m) => m.name);
      expect(linked).toEqual(expect.arrayContaining(['fork_walredo', 'pgb_test_rmgr']));
      // pg-bundle's own walredo is not in a fork's bundle
      expect(linked).not.toContain('pg_bundle_walredo');
    });

    test("the fork's walredo answers through main.c's dispatch; stderr has only the rmgr's LOG line", async () => {
      const client = walRedoStarter(bundle, major)();
      try {
        expect((await client.ping()).every((b) => b === 0)).toBe(true);
        expect((await client.close(10000)).code).toBe(0);
        const lines = client.stderr().split('\n').filter(Boolean);
        expect(lines.filter((l) => !l.includes('LOG:'))).toEqual([]);
        expect(lines.join('\n')).toMatch(/registered custom resource manager "pgb_test_rmgr" with ID 134/);
      } finally {
        client.kill();
      }
    });

    test(`the walredo stage passes in fork mode: every protocol test, >= 200 vectors of ${RMGR}, none failed`, async () => {
      const before = sysvSegments();
      report = await runWalRedoStage(bundle, major, { mode: 'fork', preload: entry.walredo.preload });
      expect(report.protocol.tests.filter((t) => !t.passed)).toEqual([]);
      expect(report.vectors.failures).toEqual([]);
      expect(report.status).toBe('pass');
      const custom = report.vectors.byRmgr[RMGR];
      expect(custom.failed).toBe(0);
      expect(custom.passed).toBeGreaterThanOrEqual(200);
      // built-in resource managers replayed next to the custom one
      expect(report.vectors.byRmgr.Heap.passed).toBeGreaterThan(0);
      expect(report.vectors.byRmgr.Btree.passed).toBeGreaterThan(0);
      // measured from the binary, not configured
      expect(report.rmgrs?.custom).toEqual([134]);
      // the fork's walredo processes created no SysV segment (the corpus server's are gone too)
      expect(sysvSegments()).toEqual(before);
    });

    test("verify's report of this bundle says fork mode and counts the custom rmgr's vectors", () => {
      const checks = entry.conformance?.checks ?? [];
      const walredo = checks.find((c) => c.name === 'walredo');
      if (!walredo)
        throw new Error(
          `v${major}: the manifest has no walredo check: run pg-bundle verify on ${bundle} first`,
        );
      expect(walredo.status).toBe('pass');
      expect(walredo.detail).toMatch(/^mode fork: /);
      expect(walredo.detail).toMatch(/custom: custom134 \d+ passed, 0 failed/);
    });
  });
}
