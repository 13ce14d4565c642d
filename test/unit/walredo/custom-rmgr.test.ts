/** The pure parts of custom resource managers in builtin walredo (issue 14 item 2). */
import { generateModuleTable, validateWalRedoPreload } from '../../../src/compile/module-table';
import { parseWalRedoPreload } from '../../../src/compile/walredo';
import { preloadSettings, sessionSetup } from '../../../src/walredo/corpus/generate-wal';
import { preloadSteps, stepQueries, workloadSteps } from '../../../src/walredo/corpus/workload';
import { maskedCopy, maskKindFor } from '../../../src/walredo/mask/select';
import { rmgrName } from '../../../src/walredo/wal/constants';
import { walRedoCheck } from '../../../src/verify/checks/walredo';
import { emptyReport } from '../../../src/walredo/suite/report';

const rmgrModule = { name: 'pgb_test_rmgr', symbols: ['Pg_magic_func', '_PG_init'] };
const walredo = { name: 'pg_bundle_walredo', symbols: ['Pg_magic_func', 'WalRedoMain'] };

describe('--walredo-preload', () => {
  test('comma-separated names, for the builtin walredo of a static bundle only', () => {
    expect(parseWalRedoPreload(undefined, 'builtin')).toEqual([]);
    expect(parseWalRedoPreload('', 'fork')).toEqual([]);
    expect(parseWalRedoPreload('pgb_test_rmgr, other', 'builtin')).toEqual(['pgb_test_rmgr', 'other']);
    // a fork's walredo loads its modules itself: the list declares them (corpus server, manifest)
    expect(parseWalRedoPreload('pgb_test_rmgr', 'fork')).toEqual(['pgb_test_rmgr']);
    expect(() => parseWalRedoPreload('pgb_test_rmgr', 'none')).toThrow(/walredo mode is 'none'/);
    expect(() => parseWalRedoPreload('pgb_test_rmgr', 'builtin', 'dynamic')).toThrow(/static bundle/);
    expect(() => parseWalRedoPreload('a,a', 'builtin')).toThrow(/names 'a' twice/);
  });

  test('the module table carries the NULL-terminated list, in the order given', () => {
    const c = generateModuleTable([walredo, rmgrModule], ['pgb_test_rmgr']);
    expect(c).toContain('const char *const pgb_walredo_preload[] = {\n\t"pgb_test_rmgr",\n\tNULL\n};');
    expect(generateModuleTable([walredo])).toContain(
      'const char *const pgb_walredo_preload[] = {\n\tNULL\n};',
    );
  });

  test('a preloaded module must be linked in, once', () => {
    expect(() => validateWalRedoPreload(['neon_rmgr'], [walredo, rmgrModule])).toThrow(
      "walredo preload module 'neon_rmgr' is not linked in (linked: pg_bundle_walredo, pgb_test_rmgr)",
    );
    expect(() => validateWalRedoPreload(['pgb_test_rmgr', 'pgb_test_rmgr'], [rmgrModule])).toThrow(/twice/);
  });
});

describe('the corpus of a bundle with preloaded modules', () => {
  test('the server preloads them and the session re-expands wal_consistency_checking', () => {
    expect(preloadSettings([])).toEqual({});
    expect(preloadSettings(['a', 'b'])).toEqual({ shared_preload_libraries: 'a,b' });
    expect(sessionSetup([])).toEqual([]);
    expect(sessionSetup(['pgb_test_rmgr'])).toEqual(["SET wal_consistency_checking = 'all'"]);
  });

  test('pgb_test_rmgr gets a step with at least 300 records at the default scale; unknown modules none', () => {
    const steps = preloadSteps(['pgb_test_rmgr', 'unknown_module'], 0.25);
    expect(steps).toHaveLength(1);
    const queries = stepQueries(steps[0]);
    expect(queries[0]).toMatch(/^CREATE FUNCTION pgb_test_rmgr_append\(regclass, text\)/);
    const calls = Number(/generate_series\(1, (\d+)\)/.exec(steps[0].sql)![1]);
    expect(calls).toBeGreaterThanOrEqual(300);
    // a relation nothing else reads: no VACUUM or scan of it, dropped at the end
    expect(steps[0].sql).not.toMatch(/VACUUM|FROM t_rmgr/);
    expect(queries.at(-2)).toBe('DROP TABLE t_rmgr');
    expect(workloadSteps(0.25, '/tmp/x', ['pgb_test_rmgr']).at(-1)).toEqual(steps[0]);
    expect(workloadSteps(0.25, '/tmp/x').some((s) => s.sql.includes('pgb_test_rmgr'))).toBe(false);
  });
});

describe('custom resource managers in vectors and reports', () => {
  test.each([
    [134, 0, 'generic'],
    [128, 3, 'generic'],
    [255, 0, 'generic'],
    [134, 2, 'lsn-only'],
    [22, 0, undefined],
    [127, 0, undefined],
  ])('rmgr %i fork %i gets mask %s', (rmid, fork, kind) => {
    expect(maskKindFor(rmid, fork)).toBe(kind);
  });

  test.each([
    [134, 0, 'neon', 'heap'], // the storage service's neon_rmgr masks like heap_mask
    [134, 2, 'neon', 'lsn-only'], // its visibility-map pages still get the LSN-only mask
    [134, 0, 'pgb_test_rmgr', 'generic'],
    [200, 0, 'neon', 'heap'], // by the name the server registered, whatever the id
    [22, 0, 'neon', undefined], // a built-in id is never taken for a custom one
  ])('rmgr %i fork %i registered as %s gets mask %s', (rmid, fork, name, kind) => {
    expect(maskKindFor(rmid, fork, name)).toBe(kind);
  });

  test('the generic mask is bufmask: LSN, checksum and the unused space, nothing else', () => {
    const page = new Uint8Array(8192);
    const dv = new DataView(page.buffer);
    dv.setUint32(4, 0x1234, true); // pd_lsn low
    dv.setUint16(8, 0x55, true); // pd_checksum
    dv.setUint16(12, 28, true); // pd_lower
    dv.setUint16(14, 8000, true); // pd_upper
    dv.setUint16(16, 8192, true); // pd_special
    dv.setUint16(18, 0x2004, true); // pd_pagesize_version
    page[100] = 7; // unused space
    page[8100] = 9; // an item
    const masked = maskedCopy(maskKindFor(134, 0)!, page, 0);
    expect(masked[8100]).toBe(9);
    expect(masked[100]).not.toBe(7);
    expect(dv.getUint16(12, true)).toBe(28);
    const other = Uint8Array.from(page);
    new DataView(other.buffer).setUint32(4, 0x9999, true);
    other[100] = 1;
    expect(Buffer.compare(Buffer.from(maskedCopy('generic', other, 0)), Buffer.from(masked))).toBe(0);
  });

  test('WAL reading names custom ids, and the walredo line shows their counts', () => {
    expect(rmgrName(134)).toBe('custom134');
    const r = emptyReport('builtin');
    r.protocol.passed = 13;
    r.vectors.passed = 2438;
    r.vectors.byRmgr = {
      Heap: { passed: 2000, failed: 0, skipped: 0 },
      custom134: { passed: 438, failed: 0, skipped: 0 },
    } as never;
    expect(walRedoCheck(r).detail).toBe(
      'mode builtin: protocol 13/13 passed; vectors 2438 passed, 0 failed, 0 skipped over 2 resource managers (custom: custom134 438 passed, 0 failed)',
    );
  });
});
