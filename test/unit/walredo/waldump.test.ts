import { parseWaldump, compareWithWaldump, WaldumpRecord } from '../../support/wal/waldump';
import { formatLsn, parseLsn } from '../../../src/walredo/wal/constants';

const sample = [
  'rmgr: Heap        len (rec/tot):     59/  8175, tx:        734, lsn: 0/01500838, prev 0/01500808, desc: INSERT+INIT off 1 flags 0x00',
  '\tblkref #0: rel 1663/5/16384 fork main blk 0 (FPW for WAL verification); hole: offset: 28, length: 76',
  'rmgr: Heap2       len (rec/tot):     64/    64, tx:          0, lsn: 0/01500880, prev 0/01500838, desc: VISIBLE cutoff xid 734 flags 0x01',
  '\tblkref #0: rel 1663/5/16384 fork vm blk 0',
  '\tblkref #1: rel 1663/5/16384 fork main blk 0 (FPW); hole: offset: 40, length: 8000',
  'rmgr: XLOG        len (rec/tot):     30/    30, tx:          0, lsn: 1/0000A028, prev 0/01500880, desc: NEXTOID 24576',
].join('\n');

describe('pg_waldump output', () => {
  const recs = parseWaldump(sample);
  it('parses records and --bkp-details block references', () => {
    expect(recs).toHaveLength(3);
    expect(recs[0]).toMatchObject({
      rmgr: 'Heap',
      recLen: 59,
      totLen: 8175,
      xid: 734,
      lsn: 0x1500838n,
      prev: 0x1500808n,
    });
    expect(recs[0].blocks).toEqual([
      {
        blockId: 0,
        rel: '1663/5/16384',
        fork: 'main',
        blkno: 0,
        image: 'verify',
        holeOffset: 28,
        holeLength: 76,
      },
    ]);
    expect(recs[1].blocks[0]).toMatchObject({ fork: 'vm', image: undefined });
    expect(recs[1].blocks[1]).toMatchObject({ image: 'apply', holeOffset: 40, holeLength: 8000 });
    expect(recs[2].lsn).toBe(0x10000a028n);
  });

  it('reports the first disagreements', () => {
    const changed: WaldumpRecord[] = recs.map((r) => ({ ...r, blocks: [...r.blocks] }));
    changed[1] = { ...changed[1], rmgr: 'Heap' };
    changed.pop();
    const cmp = compareWithWaldump(recs, changed);
    expect(cmp.agreeing).toBe(1);
    expect(cmp.mismatches).toHaveLength(2);
    expect(cmp.mismatches[1]).toMatch(/only pg_waldump has 1\/0000A028 XLOG/);
  });

  it.each([
    ['0/01500838', 0x1500838n],
    ['1A/FF', 0x1a000000ffn],
  ])('LSN %s', (text, lsn) => {
    expect(parseLsn(text)).toBe(lsn);
    expect(parseLsn(formatLsn(lsn))).toBe(lsn);
  });

  it('rejects text that is not an LSN', () => {
    expect(() => parseLsn('01500838')).toThrow(/not an LSN/);
  });
});
