import {
  compareClusters,
  compareFile,
  fileRule,
  maskConfig,
  PAGE_SIZE,
  probedSettingDifferences,
} from '../../../src/verify/cluster-compare';

function page(fill: number, lsn = 0n, checksum = 0): Buffer {
  const p = Buffer.alloc(PAGE_SIZE, fill);
  p.writeBigUInt64LE(lsn, 0);
  p.writeUInt16LE(checksum, 8);
  return p;
}

describe('fileRule', () => {
  it.each([
    ['base/5/1259', 'relation'],
    ['base/1/2608_fsm', 'relation'],
    ['base/4/16384_vm', 'relation'],
    ['base/5/16400.1', 'relation'],
    ['global/1262', 'relation'],
    ['global/pg_control', 'exclude'],
    ['global/pg_filenode.map', 'bytes'],
    ['pg_wal/000000010000000000000001', 'exclude'],
    ['pg_stat/pgstat.stat', 'exclude'],
    ['base/5/pg_internal.init', 'exclude'],
    ['postgresql.conf', 'config'],
    ['PG_VERSION', 'bytes'],
    ['pg_xact/0000', 'bytes'],
  ])('%s is %s', (path, kind) => {
    expect(fileRule(path).kind).toBe(kind);
  });
});

describe('compareFile', () => {
  it('ignores page LSN and checksum of relation pages but not their contents', () => {
    const a = Buffer.concat([page(1, 0x1000n, 7), page(2, 0x2000n)]);
    const b = Buffer.concat([page(1, 0x9000n, 9), page(2, 0x3000n)]);
    expect(compareFile('base/5/1259', a, b)).toBeUndefined();
    const c = Buffer.from(b);
    c[PAGE_SIZE + 100] = 0x55;
    expect(compareFile('base/5/1259', a, c)).toBe(
      '1 of 2 pages differ after masking LSN and checksum (first: page 1, byte 100)',
    );
  });

  it('compares other files byte for byte, reporting the first difference or the sizes', () => {
    expect(compareFile('PG_VERSION', Buffer.from('15\n'), Buffer.from('15\n'))).toBeUndefined();
    expect(compareFile('pg_xact/0000', Buffer.from([0, 0, 1]), Buffer.from([0, 0, 2]))).toBe(
      'differs at byte 2',
    );
    expect(compareFile('base/5/1259', page(0), Buffer.concat([page(0), page(0)]))).toBe(
      `size ${PAGE_SIZE} vs ${2 * PAGE_SIZE}`,
    );
    // the LSN is only masked for relation files
    expect(compareFile('global/pg_filenode.map', page(0, 1n), page(0, 2n))).toBe('differs at byte 0');
  });

  it('masks host-probed settings of postgresql.conf and reports other changed lines', () => {
    const a =
      "max_connections = 100\nshared_buffers = 128MB\ndynamic_shared_memory_type = sysv\ntimezone = 'UTC'\nlog_timezone = 'UTC'\nlc_messages = 'C.UTF-8'\n";
    const b =
      "max_connections = 100\nshared_buffers = 128MB\ndynamic_shared_memory_type = posix\ntimezone = 'America/New_York'\nlog_timezone = 'America/New_York'\nlc_messages = 'C.UTF-8'\n";
    expect(compareFile('postgresql.conf', Buffer.from(a), Buffer.from(b))).toBeUndefined();
    expect(probedSettingDifferences(a, b)).toEqual([
      "timezone: 'UTC' vs 'America/New_York'",
      "log_timezone: 'UTC' vs 'America/New_York'",
      'dynamic_shared_memory_type: sysv vs posix',
    ]);
    expect(maskConfig("timezone = 'UTC'\n#timezone = x\n")).toBe(
      'timezone = <masked: probed on the host>\n#timezone = x\n',
    );
    const c = b.replace("lc_messages = 'C.UTF-8'", "lc_messages = 'de_DE.UTF-8'");
    expect(compareFile('postgresql.conf', Buffer.from(a), Buffer.from(c))).toBe(
      `line 6 differs: "lc_messages = 'C.UTF-8'" vs "lc_messages = 'de_DE.UTF-8'"`,
    );
  });
});

describe('compareClusters', () => {
  const files: Record<'a' | 'b', Record<string, Buffer>> = {
    a: {
      PG_VERSION: Buffer.from('15\n'),
      'base/5/1259': page(3, 10n),
      'base/5/2608': page(4),
      'global/pg_control': Buffer.from('A'),
      'pg_wal/000000010000000000000001': Buffer.from('wal a'),
      'base/5/only_a': Buffer.from('x'),
    },
    b: {
      PG_VERSION: Buffer.from('15\n'),
      'base/5/1259': page(3, 20n),
      'base/5/2608': page(5),
      'global/pg_control': Buffer.from('B'),
      'pg_wal/000000010000000000000001': Buffer.from('wal b'),
      'base/5/only_b': Buffer.from('y'),
    },
  };
  it('lists differences and files only on one side, and names the excluded files with reasons', () => {
    const result = compareClusters(
      Object.keys(files.a),
      Object.keys(files.b),
      (side, path) => files[side][path],
      'the empty root',
      'the host',
    );
    expect(result.compared).toBe(3);
    expect(result.differences).toEqual([
      {
        path: 'base/5/2608',
        detail: '1 of 1 pages differ after masking LSN and checksum (first: page 0, byte 10)',
      },
      { path: 'base/5/only_a', detail: 'only in the empty root' },
      { path: 'base/5/only_b', detail: 'only in the host' },
    ]);
    expect(result.excluded.map((e) => e.path)).toEqual([
      'global/pg_control',
      'pg_wal/000000010000000000000001',
    ]);
    expect(result.excluded[0].reason).toMatch(/system identifier/);
  });
});
