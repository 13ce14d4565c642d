import { decodeRecord } from '../../../src/walredo/wal/record';
import { walFormat } from '../../../src/walredo/wal/constants';
import { emptyRecord, rmgrSet } from '../../../src/walredo/rmgr-probe';
import { walRedoModules } from '../../../src/compile/walredo';

describe('resource manager probe', () => {
  it.each([0, 10, 21, 134, 255])('the probe record of rmgr %i decodes as a record without blocks', (rmid) => {
    const decoded = decodeRecord(emptyRecord(rmid), walFormat(15));
    expect(decoded.header).toMatchObject({ totLen: 24, rmid, info: 0 });
    expect(decoded.blocks).toEqual([]);
    expect(decoded.mainData).toHaveLength(0);
  });
  it('splits built-in and custom ids', () => {
    expect(rmgrSet([134, 0, 21, 1, 128])).toEqual({ builtin: [0, 1, 21], custom: [128, 134] });
  });
});

describe('walRedoModules', () => {
  const modules = [
    { name: 'plpgsql', origin: 'in-tree' },
    { name: 'pg_bundle_walredo', origin: 'builtin' },
    { name: 'neon_walredo', origin: '/src/pgxn/neon_walredo' },
    { name: 'neon_rmgr', origin: '/src/pgxn/neon_rmgr' },
  ];
  it.each([
    ['builtin', ['pg_bundle_walredo']],
    ['fork', ['neon_walredo', 'neon_rmgr']],
    ['none', []],
  ] as const)('%s', (mode, expected) => {
    expect(walRedoModules(mode, modules)).toEqual(expected);
  });
});
