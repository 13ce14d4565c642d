/**
 * Custom resource managers in builtin walredo (issue 14 item 2), on a bundle built with the test
 * rmgr module preloaded:
 *
 *   pg-bundle build --pg 16 --source ... --module test/fixtures/modules/pgb_test_rmgr \
 *     --walredo-preload pgb_test_rmgr --out /tmp/rmgr/out16
 *   PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_RMGR_BUNDLE=/tmp/rmgr/out16 npx jest --runInBand test/e2e/custom-rmgr
 *
 * Every version of the bundle's manifest is tested (PG_BUNDLE_E2E_VERSION narrows it to one).
 */
import { namedBundle } from './bundle-env';
import { runWalRedoStage, walRedoStarter } from '../../src/walredo/suite';

const named = namedBundle('PG_BUNDLE_E2E_RMGR_BUNDLE');
const RMGR_MODULE = 'pgb_test_rmgr';
const RMGR = 'custom134';

if (!named) {
  test('PG_BUNDLE_E2E_RMGR_BUNDLE names a bundle built with --walredo-preload pgb_test_rmgr', () => {
    throw new Error('set PG_BUNDLE_E2E_RMGR_BUNDLE (test/run-all.sh builds such a bundle and sets it)');
  });
} else {
  const { dir: bundle, manifest, majors } = named;
  jest.setTimeout(30 * 60 * 1000);

  describe.each(majors)('v%i', (major) => {
    const entry = manifest.versions[String(major)];

    test('the manifest records the preloaded module, linked in', () => {
      expect(entry.walredo).toMatchObject({
        mode: 'builtin',
        modules: ['pg_bundle_walredo', RMGR_MODULE],
        preload: [RMGR_MODULE],
      });
      expect(entry.modules.map((m) => m.name)).toContain(RMGR_MODULE);
    });

    test('walredo starts with the module loaded; stderr has only the LOG line of the registration', async () => {
      const client = walRedoStarter(bundle, major)();
      try {
        expect((await client.ping()).every((b) => b === 0)).toBe(true);
        expect((await client.close(10000)).code).toBe(0);
        // the storage service logs lines without LOG: as errors; PostgreSQL logs the registration
        const lines = client.stderr().split('\n').filter(Boolean);
        expect(lines.filter((l) => !l.includes('LOG:'))).toEqual([]);
        expect(lines.join('\n')).toMatch(
          /LOG: {2}registered custom resource manager "pgb_test_rmgr" with ID 134$/,
        );
      } finally {
        client.kill();
      }
    });

    test(`the walredo stage replays the custom rmgr's records: >= 200 vectors of ${RMGR}, none failed`, async () => {
      const report = await runWalRedoStage(bundle, major, { preload: entry.walredo.preload });
      expect(report.vectors.failures).toEqual([]);
      expect(report.status).toBe('pass');
      const custom = report.vectors.byRmgr[RMGR];
      expect(custom.failed).toBe(0);
      expect(custom.passed).toBeGreaterThanOrEqual(200);
      // measured from the binary: the built-in resource managers and the custom one
      expect(report.rmgrs?.custom).toEqual([134]);
    });
  });
}
