import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reachableByOthers, walRedoCheck } from '../../../src/verify/checks/walredo';
import { emptyReport } from '../../../src/walredo/suite/report';

describe('the walredo line of the checks table', () => {
  test('pass counts protocol tests, vectors and resource managers', () => {
    const r = emptyReport('builtin');
    r.protocol.passed = 11;
    r.vectors.passed = 2000;
    r.vectors.skipped = 5;
    r.vectors.byRmgr = {
      Heap: { passed: 1500, failed: 0, skipped: 0 },
      Btree: { passed: 500, failed: 0, skipped: 5 },
    } as never;
    expect(walRedoCheck(r)).toEqual({
      name: 'walredo',
      status: 'pass',
      detail:
        'mode builtin: protocol 11/11 passed; vectors 2000 passed, 0 failed, 5 skipped over 2 resource managers',
    });
  });
  test('skip (only on request) says why', () => {
    const r = emptyReport('builtin');
    r.status = 'skip';
    r.message = 'skipped on request (--skip-walredo)';
    expect(walRedoCheck(r)).toEqual({
      name: 'walredo',
      status: 'skip',
      detail: 'skipped on request (--skip-walredo)',
    });
  });
  test('fail carries the one-line reason', () => {
    const r = emptyReport('none');
    r.status = 'fail';
    r.message = 'v15/bin/postgres has no walredo mode';
    expect(walRedoCheck(r)).toMatchObject({
      status: 'fail',
      detail: 'mode none: v15/bin/postgres has no walredo mode',
    });
  });
});

describe('reachableByOthers', () => {
  test('a file below a 0700 directory is not reachable; below 0755 it is', () => {
    const closed = mkdtempSync(join(tmpdir(), 'pgb-reach-'));
    chmodSync(closed, 0o700);
    const open = mkdtempSync(join(tmpdir(), 'pgb-reach-'));
    chmodSync(open, 0o755);
    for (const d of [closed, open]) {
      writeFileSync(join(d, 'postgres'), '');
      chmodSync(join(d, 'postgres'), 0o755);
    }
    expect(reachableByOthers(join(closed, 'postgres'))).toBe(false);
    // /tmp itself is world-reachable on any normal system
    expect(reachableByOthers(join(open, 'postgres'))).toBe(true);
    expect(reachableByOthers(join(open, 'missing'))).toBe(false);
  });
});
