import { RM } from '../../../src/walredo/wal/constants';
import {
  addEvidence,
  Dialect,
  dialectOf,
  emptyEvidence,
  heapRecordLayout,
  tupleHeaderLayout,
} from '../../../src/walredo/wal/dialect';
import { needsServerWal, refuseSample, ServerWal, WalSampleFacts } from '../../../src/walredo/wal-sample';

const bytes = (n: number, at: Record<number, number> = {}) => {
  const b = new Uint8Array(n);
  for (const [i, v] of Object.entries(at)) b[Number(i)] = v;
  return b;
};

describe('which heap layout a record length shows', () => {
  test.each([
    ['upstream LOCK (8 bytes)', RM.HEAP, 0x60, bytes(8), 'upstream'],
    ['fork LOCK with t_cid (14 bytes)', RM.HEAP, 0x60, bytes(14), 'fork-tcid'],
    ['upstream UPDATE without old data (14)', RM.HEAP, 0x20, bytes(14), 'upstream'],
    ['fork HOT_UPDATE without old data (18)', RM.HEAP, 0x40, bytes(18), 'fork-tcid'],
    ['UPDATE with an old key (logical): no evidence', RM.HEAP, 0x20, bytes(18, { 7: 0x08 }), undefined],
    ['UPDATE with an old tuple: no evidence', RM.HEAP, 0x20, bytes(14, { 7: 0x04 }), undefined],
    [
      'upstream UPDATE with PREFIX_FROM_OLD (0x20) is still upstream',
      RM.HEAP,
      0x40,
      bytes(14, { 7: 0x20 }),
      'upstream',
    ],
    ['upstream DELETE (8)', RM.HEAP, 0x10, bytes(8), 'upstream'],
    ['fork DELETE (14)', RM.HEAP, 0x10, bytes(14), 'fork-tcid'],
    ['fork DELETE carrying an old key: no evidence', RM.HEAP, 0x10, bytes(30, { 13: 0x08 }), undefined],
    [
      'upstream DELETE with an old tuple of 14 bytes is not taken for the fork',
      RM.HEAP,
      0x10,
      bytes(14, { 7: 0x04, 13: 0x04 }),
      undefined,
    ],
    ['INSERT: same main data in both', RM.HEAP, 0x00, bytes(3), undefined],
    ['INIT_PAGE bit does not change the op', RM.HEAP, 0xe0, bytes(14), 'fork-tcid'],
    ['btree: not heap', RM.BTREE, 0x60, bytes(14), undefined],
  ])('%s', (_name, rmid, info, main, layout) => {
    expect(heapRecordLayout(rmid, info, main)).toBe(layout);
  });
});

describe('the dialect of a sample', () => {
  const rec = (lsn: number, rmid: number, info: number, main: Uint8Array) => ({
    lsn: BigInt(lsn),
    rmid,
    info,
    main,
  });
  test('fork t_cid records name the first one; custom rmgrs are counted', () => {
    const ev = emptyEvidence();
    addEvidence(ev, rec(0x1000, RM.HEAP, 0x00, bytes(3)));
    addEvidence(ev, rec(0x2000, RM.HEAP, 0x60, bytes(14)));
    addEvidence(ev, rec(0x3000, RM.HEAP, 0x40, bytes(18)));
    const d = dialectOf(ev);
    expect(d.kind).toBe('fork-tcid');
    expect(d.summary).toContain('2 heap records with t_cid, the first at 0/00002000: Heap LOCK of 14 bytes');
  });
  test('v16+: custom resource manager records', () => {
    const ev = emptyEvidence();
    addEvidence(ev, rec(0x1000, 134, 0x40, bytes(18)));
    addEvidence(ev, rec(0x2000, 134, 0x00, bytes(3)));
    const d = dialectOf(ev);
    expect(d).toMatchObject({ kind: 'unknown', customRmgrs: [134] });
    expect(d.summary).toContain('custom resource managers 134 (2)');
  });
  test('both layouts at once are mixed; nothing telling is unknown', () => {
    const ev = emptyEvidence();
    addEvidence(ev, rec(1, RM.HEAP, 0x60, bytes(14)));
    addEvidence(ev, rec(2, RM.HEAP, 0x60, bytes(8)));
    expect(dialectOf(ev).kind).toBe('mixed');
    expect(dialectOf(emptyEvidence()).kind).toBe('unknown');
  });
});

describe('a bundle refused for a sample', () => {
  const dialect = (kind: Dialect['kind'], customRmgrs: number[] = []): Dialect => ({
    kind,
    summary: `${kind} summary`,
    customRmgrs,
  });
  const facts = (kind: Dialect['kind'], customRmgrs: number[] = []): WalSampleFacts => ({
    major: 15,
    wal: {} as WalSampleFacts['wal'],
    records: 10,
    stop: 'end of WAL',
    dialect: dialect(kind, customRmgrs),
  });
  /** what a fork's own server writes, as measureServerWal reports it */
  const server = (kind: Dialect['kind'], customIds: number[] = []): ServerWal => ({
    dialect: dialect(kind, customIds),
    registered: Object.fromEntries(customIds.map((id) => [id, `rmgr${id}`])),
    customIds,
  });
  test.each<
    [string, WalSampleFacts, { mode: string; preload?: string[] }, ServerWal | undefined, RegExp | null]
  >([
    [
      'builtin walredo, fork dialect',
      facts('fork-tcid'),
      { mode: 'builtin' },
      undefined,
      /builtin one, whose upstream heap redo/,
    ],
    ['builtin walredo, mixed', facts('mixed'), { mode: 'builtin' }, undefined, /no walredo reads both/],
    [
      'builtin walredo, custom rmgr it does not load',
      facts('unknown', [134]),
      { mode: 'builtin' },
      undefined,
      /loads no resource-manager module/,
    ],
    [
      'builtin walredo preloading an rmgr module, not yet measured',
      facts('unknown', [134]),
      { mode: 'builtin', preload: ['x'] },
      undefined,
      null,
    ],
    [
      'builtin walredo preloading a module that registers 134',
      facts('unknown', [134]),
      { mode: 'builtin', preload: ['x'] },
      server('upstream', [134]),
      null,
    ],
    [
      'builtin walredo preloading a module that registers another id',
      facts('unknown', [134]),
      { mode: 'builtin', preload: ['x'] },
      server('upstream', [135]),
      /custom resource managers 134, which v15's server does not register \(it registers 135\)/,
    ],
    ['builtin walredo, upstream WAL', facts('upstream'), { mode: 'builtin' }, undefined, null],
    ['fork walredo, fork dialect, not yet measured', facts('fork-tcid'), { mode: 'fork' }, undefined, null],
    [
      'fork walredo whose server writes t_cid, fork dialect',
      facts('fork-tcid'),
      { mode: 'fork' },
      server('fork-tcid'),
      null,
    ],
    [
      'fork walredo whose server writes upstream records, fork dialect',
      facts('fork-tcid'),
      { mode: 'fork' },
      server('upstream'),
      /fork server writes upstream summary/,
    ],
    [
      'fork walredo whose server writes t_cid, upstream WAL',
      facts('upstream'),
      { mode: 'fork' },
      server('fork-tcid'),
      /would read the upstream ones in that layout/,
    ],
    [
      'fork walredo whose server writes upstream records, upstream WAL',
      facts('upstream'),
      { mode: 'fork' },
      server('upstream'),
      null,
    ],
    ['fork walredo, mixed', facts('mixed'), { mode: 'fork' }, server('fork-tcid'), /no walredo reads both/],
    [
      'fork walredo, custom rmgr its server registers',
      facts('unknown', [134]),
      { mode: 'fork' },
      server('unknown', [134]),
      null,
    ],
    [
      'fork walredo, custom rmgr its server does not register',
      facts('unknown', [134, 140]),
      { mode: 'fork' },
      server('unknown', [134]),
      /custom resource managers 140, which v15's server does not register \(it registers 134\)/,
    ],
    [
      'fork walredo whose server WAL shows no heap layout: not judged by layout',
      facts('fork-tcid'),
      { mode: 'fork' },
      server('unknown'),
      null,
    ],
    [
      'fork walredo whose server WAL shows no heap layout, upstream WAL: not judged either',
      facts('upstream'),
      { mode: 'fork' },
      server('unknown'),
      null,
    ],
    ['no walredo', facts('upstream'), { mode: 'none' }, undefined, /no walredo/],
  ])('%s', (_name, f, walredo, measured, refused) => {
    const r = refuseSample(f, '/s', walredo, measured);
    if (!refused) expect(r).toBeUndefined();
    else {
      expect(r?.problem).toMatch(refused);
      expect(r?.fix.length).toBeGreaterThan(10);
    }
  });
  test('a fork bundle is judged against its own server; a builtin one only when it preloads modules and the sample has custom records', () => {
    expect(needsServerWal(facts('upstream'), { mode: 'fork' })).toBe(true);
    expect(needsServerWal(facts('upstream'), { mode: 'builtin' })).toBe(false);
    expect(needsServerWal(facts('unknown', [134]), { mode: 'builtin' })).toBe(false);
    expect(needsServerWal(facts('unknown', [134]), { mode: 'builtin', preload: ['x'] })).toBe(true);
  });
});

describe('fork dialect from the tuple headers of inserts', () => {
  const hdr = (n: number, at: Record<number, number>) => bytes(n, at);
  test.each([
    ['upstream INSERT: t_hoff 24 at byte 4', RM.HEAP, 0x00, hdr(20, { 4: 24 }), 'upstream'],
    ['fork INSERT: cid 0 at byte 4, t_hoff 24 at byte 8', RM.HEAP, 0x00, hdr(20, { 8: 24 }), 'fork-tcid'],
    ['INSERT+INIT_PAGE, fork', RM.HEAP, 0x80, hdr(20, { 4: 3, 8: 32 }), 'fork-tcid'],
    ['both readings valid: no evidence', RM.HEAP, 0x00, hdr(20, { 4: 24, 8: 24 }), undefined],
    ['upstream MULTI_INSERT: t_hoff at 6', RM.HEAP2, 0x50, hdr(30, { 6: 24 }), 'upstream'],
    ['fork MULTI_INSERT: t_hoff at 12', RM.HEAP2, 0x50, hdr(30, { 12: 32 }), 'fork-tcid'],
    ['a DELETE is told by its length, not here', RM.HEAP, 0x10, hdr(20, { 8: 24 }), undefined],
    ['no block data', RM.HEAP, 0x00, undefined, undefined],
  ])('%s', (_name, rmid, info, block0, layout) => {
    expect(tupleHeaderLayout(rmid, info, block0)).toBe(layout);
  });
  test('an insert-only fork sample is named', () => {
    const ev = emptyEvidence();
    addEvidence(ev, {
      lsn: 0x5000n,
      rmid: RM.HEAP2,
      info: 0x50,
      main: bytes(4),
      block0: bytes(30, { 12: 24 }),
    });
    const d = dialectOf(ev);
    expect(d.kind).toBe('fork-tcid');
    expect(d.summary).toContain('Heap2 MULTI_INSERT whose tuple header has t_hoff after a t_cid');
  });
});

test('a refusal shows the sample path escaped: a newline and :: cannot start a workflow command', () => {
  const r = refuseSample(
    {
      major: 15,
      wal: {} as WalSampleFacts['wal'],
      records: 1,
      stop: '',
      dialect: { kind: 'mixed', summary: 's', customRmgrs: [] },
    },
    '/tmp/x\n::error::owned',
    { mode: 'builtin' },
  );
  expect(r?.problem).not.toMatch(/\n/);
  expect(r?.problem.split('\n').some((l) => l.startsWith('::'))).toBe(false);
});
