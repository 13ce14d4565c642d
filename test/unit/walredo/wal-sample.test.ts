import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Manifest } from '../../../src/core/manifest';
import { MemoryLogger } from '../../../src/util/logger';
import { checkWalSample } from '../../../src/verify/verify';
import { readWalSample } from '../../../src/walredo/wal-sample';

const WORKLOAD = join(__dirname, '../../fixtures/walredo/wal-v15-workload');
const SEGMENT = '000000010000000000000001';
/** where the workload's WAL starts in the fixture's segment (range.json: 0/15007B8): a page boundary before it */
const FROM_PAGE = 0x500000;
const manifest = (mode: string) => ({ versions: { '15': { walredo: { mode } } } }) as unknown as Manifest;

describe('a WAL sample given to verify --wal', () => {
  let FIXTURE = '';
  let torn = '';
  beforeAll(() => {
    // a sample that starts inside its segment, in the middle of a record (the pages before it are
    // zero, as in a segment the storage team copied from that point), and the same cut short
    const whole = gunzipSync(readFileSync(join(WORKLOAD, `${SEGMENT}.gz`)));
    const sample = Buffer.alloc(whole.length);
    whole.copy(sample, FROM_PAGE, FROM_PAGE);
    FIXTURE = mkdtempSync(join(tmpdir(), 'pgb-sample-'));
    writeFileSync(join(FIXTURE, SEGMENT), sample);
    torn = mkdtempSync(join(tmpdir(), 'pgb-torn-'));
    const cut = Buffer.from(sample);
    cut.fill(0, FROM_PAGE + 40 * 8192 + 4000);
    writeFileSync(join(torn, SEGMENT), cut);
  });
  afterAll(() => {
    rmSync(FIXTURE, { recursive: true, force: true });
    rmSync(torn, { recursive: true, force: true });
  });

  test('upstream WAL of a builtin server: its major from the page magic, upstream heap records', () => {
    const facts = readWalSample(FIXTURE);
    expect(facts.major).toBe(15);
    expect(facts.records).toBeGreaterThan(100);
    expect(facts.dialect.kind).toBe('upstream');
  });

  test('a builtin walredo may replay it', () => {
    expect(checkWalSample(FIXTURE, [15], manifest('builtin'), new MemoryLogger()).facts.major).toBe(15);
  });

  test('a sample of another major is one line naming both', () => {
    expect(() => checkWalSample(FIXTURE, [14, 17], manifest('builtin'), new MemoryLogger())).toThrow(
      /is PostgreSQL 15 WAL, and v15 is not among the versions verified \(v14, v17\)/,
    );
  });

  test('a bundle without walredo is refused', () => {
    expect(() => checkWalSample(FIXTURE, [15], manifest('none'), new MemoryLogger())).toThrow(/no walredo/);
  });

  test('a torn record ends the sample where it tears, and says so', () => {
    const whole = readWalSample(FIXTURE);
    const cut = readWalSample(torn);
    expect(cut.records).toBeGreaterThan(0);
    expect(cut.records).toBeLessThan(whole.records);
    expect(cut.stop).toMatch(/at 0\/015[0-9A-F]{5}/);
  });

  test('a directory without segments is one line', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pgb-empty-'));
    try {
      expect(() => checkWalSample(empty, [15], manifest('builtin'), new MemoryLogger())).toThrow(
        /no WAL segment files/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
