import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Manifest } from '../../../src/core/manifest';
import { MemoryLogger } from '../../support/memory-logger';
import { checkWalSample } from '../../../src/verify/verify';
import { readWalSample } from '../../../src/walredo/wal-sample';
import { layoutOf } from '../../../src/walredo/wal/files';

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

  test('a file instead of a directory is one line', () => {
    expect(() =>
      checkWalSample(join(FIXTURE, SEGMENT), [15], manifest('builtin'), new MemoryLogger()),
    ).toThrow(/is not a directory/);
  });

  test('a segment that is not WAL (no long header, no known page) is one line', () => {
    const junk = mkdtempSync(join(tmpdir(), 'pgb-junk-'));
    try {
      writeFileSync(join(junk, SEGMENT), Buffer.alloc(30, 0xff));
      expect(() => checkWalSample(junk, [15], manifest('builtin'), new MemoryLogger())).toThrow(
        /does not hold readable WAL segment files/,
      );
    } finally {
      rmSync(junk, { recursive: true, force: true });
    }
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

describe('the layout of a segment file', () => {
  const longHeader = (magic: number, segSize: number, blcksz: number) => {
    const page = Buffer.alloc(8192);
    page.writeUInt16LE(magic, 0);
    page.writeUInt16LE(0x0002, 2); // XLP_LONG_HEADER
    page.writeUInt32LE(1, 4); // timeline
    page.writeUInt32LE(segSize, 24 + 8);
    page.writeUInt32LE(blcksz, 24 + 12);
    return page;
  };
  test.each([
    ['a v15 long header', longHeader(0xd110, 16 << 20, 8192), 15],
    ['a v17 long header, 64 MiB segments', longHeader(0xd116, 64 << 20, 8192), 17],
  ])('%s', (_name, page, major) => {
    const seg = Buffer.concat([page, Buffer.alloc(8192)]);
    expect(layoutOf(seg).format?.major).toBe(major);
  });
  test.each([
    ['8 KiB pages of a 12-byte size', longHeader(0xd110, 16 << 20, 12)],
    ['a segment size that is no power of two', longHeader(0xd110, 3 << 20, 8192)],
    ['a 4 GiB segment size', longHeader(0xd110, 0x80000000, 8192)],
  ])('refused: %s', (_name, page) => {
    expect(() => layoutOf(Buffer.concat([page, Buffer.alloc(8192)]))).toThrow(
      /expected 8192 and a power of two/,
    );
  });
  test('a segment whose WAL starts part-way: the file size and the first page with a known magic', () => {
    const seg = Buffer.alloc(1 << 20);
    seg.writeUInt16LE(0xd113, 5 * 8192); // a v16 short page header at page 5
    expect(layoutOf(seg)).toMatchObject({ segSize: 1 << 20, xlogBlcksz: 8192, format: { major: 16 } });
  });
  test('zeros only, or a short file: not a WAL segment', () => {
    expect(() => layoutOf(Buffer.alloc(1 << 20))).toThrow(/no long header/);
    expect(() => layoutOf(Buffer.alloc(30, 0xff))).toThrow();
  });
});
