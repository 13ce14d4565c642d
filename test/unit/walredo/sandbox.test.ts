import {
  relMapFileSize,
  relmapUpdateRecord,
  sandboxVerdict,
  seccompMode,
} from '../../../src/walredo/suite/sandbox';
import { rmgrsFromVectors, unmeasurableReason } from '../../../src/walredo/rmgr-probe';
import { HARDENING, withWalRedoSandbox } from '../../../src/verify/checks/binaries';

describe('the relation-map record that makes walredo open a file', () => {
  test.each([
    [14, 512],
    [15, 512],
    [16, 524],
    [17, 524],
  ])('v%i: sizeof(RelMapFile) is %i and the record holds it whole', (major, size) => {
    expect(relMapFileSize(major)).toBe(size);
    const r = relmapUpdateRecord(major);
    expect(r.readUInt32LE(0)).toBe(r.length); // xl_tot_len
    expect(r[17]).toBe(7); // RM_RELMAP_ID
    expect(r[24]).toBe(254); // XLR_BLOCK_ID_DATA_LONG
    expect(r.readUInt32LE(25)).toBe(12 + size);
    expect(r.readInt32LE(29 + 8)).toBe(size); // xl_relmap_update.nbytes
  });
});

describe('seccomp mode from /proc/<pid>/status', () => {
  test.each([
    ['Name:\tpostgres\nSeccomp:\t2\nSeccomp_filters:\t2\n', 2],
    ['Seccomp:\t0\n', 0],
    ['Name:\tpostgres\n', undefined],
  ])('%j -> %s', (status, mode) => expect(seccompMode(status)).toBe(mode));
});

describe('the sandbox verdict', () => {
  test.each([
    [
      'filter on, trapped with its message',
      2,
      'the walredo process exited with code 1',
      'seccomp: bad syscall 257\n',
      true,
    ],
    ['filter on, killed by SIGSYS', 2, 'the walredo process was killed by SIGSYS', '', true],
    [
      'no filter, an ordinary error',
      0,
      'the walredo process exited with code 1',
      'FATAL:  could not open file "base/1/pg_filenode.map"',
      false,
    ],
    ['no filter, survived', 0, undefined, '', false],
    ['a filter that did not stop the call', 2, undefined, '', false],
  ])('%s', (_name, seccomp, ended, stderr, active) => {
    expect(sandboxVerdict(seccomp, ended, stderr).active).toBe(active);
  });
});

describe('the hardening check with the measured walredo sandbox', () => {
  const check = {
    name: HARDENING,
    status: 'pass' as const,
    detail: 'compiled with -fstack-protector-strong',
  };
  const on = { seccomp: 2, forbiddenCall: 'trapped', active: true };
  const off = { seccomp: 0, forbiddenCall: 'an ordinary error', active: false };
  test.each([
    ['fork walredo in its sandbox', 'fork', on, 'pass'],
    ['fork walredo without it', 'fork', off, 'fail'],
    ['fork walredo, not measured', 'fork', undefined, 'fail'],
    [
      'builtin walredo with its filter on (it does not replay relmap records)',
      'builtin',
      { seccomp: 2, forbiddenCall: 'survived', active: false },
      'pass',
    ],
    ['builtin walredo without its filter', 'builtin', off, 'fail'],
    ['builtin walredo, not measured', 'builtin', undefined, 'fail'],
    ['no walredo', 'none', undefined, 'pass'],
  ])('%s: %s', (_name, mode, sandbox, status) => {
    expect(withWalRedoSandbox(check, mode, sandbox).status).toBe(status);
  });
  test('other checks are left alone', () => {
    const other = { name: 'elf-static', status: 'pass' as const, detail: 'x' };
    expect(withWalRedoSandbox(other, 'fork', off)).toBe(other);
  });
});

describe('whether the rmgr probe can measure a walredo', () => {
  test.each([
    [
      "pg-bundle's builtin walredo refuses the id by name",
      { error: 'exited with code 1\nERROR:  WAL record at 0/1000018 has unknown resource manager ID 127' },
      true,
    ],
    [
      'upstream RmgrNotFound',
      { error: 'exited with code 1\nFATAL:  resource manager with ID 127 not registered' },
      true,
    ],
    [
      'neon_walredo crashes; its start-up LOG line names another rmgr',
      { error: 'was killed by SIGSEGV\nLOG:  registered custom resource manager "neon" with ID 134' },
      false,
    ],
    ['an error about another id', { error: 'ERROR:  unknown resource manager ID 12' }, false],
    ['it answered', { answered: true as const }, false],
  ])('%s', (_name, outcome, measurable) => {
    expect(unmeasurableReason(outcome) === undefined).toBe(measurable);
  });
});

describe('the rmgrs of a walredo the probe cannot measure, from its passed vectors', () => {
  test('built-in by name, custom by id; failed-only and skipped-only ones are not listed', () => {
    expect(
      rmgrsFromVectors({
        Heap: { passed: 6901 },
        Btree: { passed: 2779 },
        custom134: { passed: 6969 },
        XLOG: { passed: 0 },
        Gin: { passed: 0 },
      }),
    ).toEqual({ builtin: [10, 11], custom: [134] }); // RM_HEAP_ID 10, RM_BTREE_ID 11
  });
});
