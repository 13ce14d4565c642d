import {
  MessageSplitter,
  parseDataRow,
  parseErrorFields,
  queryMessage,
  startupMessage,
} from '../../../src/walredo/corpus/pg-wire';
import { copyFileContents, stepQueries, workloadSteps } from '../../../src/walredo/corpus/workload';

describe('PostgreSQL wire protocol pieces', () => {
  it('startup message: length, protocol 3.0, parameters, terminator', () => {
    const m = startupMessage('cloud_admin', 'postgres');
    expect(m.readUInt32BE(0)).toBe(m.length);
    expect(m.readUInt32BE(4)).toBe(0x30000);
    expect(m.subarray(8).toString('utf8')).toBe(
      'user\0cloud_admin\0database\0postgres\0client_encoding\0UTF8\0\0',
    );
  });

  it('query message: Q, length counting itself, NUL-terminated text', () => {
    const m = queryMessage('SELECT 1');
    expect(m.toString('latin1', 0, 1)).toBe('Q');
    expect(m.readUInt32BE(1)).toBe(4 + 9);
    expect(m.subarray(5).toString()).toBe('SELECT 1\0');
  });

  it('splits backend messages arriving in arbitrary chunks', () => {
    const msg = (t: string, body: Buffer) => {
      const h = Buffer.alloc(5);
      h.write(t, 0, 'latin1');
      h.writeUInt32BE(4 + body.length, 1);
      return Buffer.concat([h, body]);
    };
    const stream = Buffer.concat([msg('Z', Buffer.from('I')), msg('C', Buffer.from('SELECT 1\0'))]);
    const s = new MessageSplitter();
    const got = [
      ...s.push(stream.subarray(0, 3)),
      ...s.push(stream.subarray(3, 9)),
      ...s.push(stream.subarray(9)),
    ];
    expect(got.map((m) => m.type)).toEqual(['Z', 'C']);
    expect(got[1].body.toString()).toBe('SELECT 1\0');
  });

  it('parses error fields and data rows with NULLs', () => {
    expect(parseErrorFields(Buffer.from('SERROR\0C42P01\0Mrelation "x" does not exist\0\0'))).toEqual({
      S: 'ERROR',
      C: '42P01',
      M: 'relation "x" does not exist',
    });
    const row = Buffer.alloc(2 + 4 + 2 + 4);
    row.writeUInt16BE(2, 0);
    row.writeInt32BE(2, 2);
    row.write('ok', 6);
    row.writeInt32BE(-1, 8);
    expect(parseDataRow(row)).toEqual(['ok', null]);
  });
});

describe('corpus workload', () => {
  it('splits a step into queries at line ends, keeping one-line transactions together', () => {
    expect(stepQueries({ name: 'x', sql: 'VACUUM a;\n  BEGIN; SELECT 1; COMMIT;\nSELECT 2;' })).toEqual([
      'VACUUM a',
      'BEGIN; SELECT 1; COMMIT',
      'SELECT 2;',
    ]);
  });

  it('covers heap, btree, hash, gin, gist, spgist, brin, sequences, toast and multi-page records', () => {
    const sql = workloadSteps(1, '/tmp/x')
      .map((s) => s.sql)
      .join('\n');
    for (const needle of [
      'USING hash',
      'USING gin',
      'USING gist',
      'USING spgist',
      'USING brin',
      'CREATE SEQUENCE',
      'SET STORAGE EXTERNAL',
      'FREEZE',
      'TRUNCATE',
      'COPY',
      'pg_logical_emit_message',
    ]) {
      expect(sql).toContain(needle);
    }
    expect(
      workloadSteps(1, '/tmp/x').every(
        (s) =>
          !s.sql.includes('VACUUM') || stepQueries(s).every((q) => !/VACUUM/.test(q) || /^VACUUM/.test(q)),
      ),
    ).toBe(true);
  });

  it('COPY data has tab-separated rows scaled by the factor', () => {
    expect(copyFileContents(0.01).split('\n').filter(Boolean)).toHaveLength(15);
    expect(copyFileContents(0.01).split('\n')[0]).toBe('1\trow 1 c');
  });
});
