import { loadWalDirectory } from '../../../src/walredo/wal/files';
import { WalReader } from '../../../src/walredo/wal/reader';
import { decodeRecord } from '../../../src/walredo/wal/record';
import { compareWithWaldump, parseWaldump, toWaldumpView } from '../../support/wal/waldump';
import { restoreBlockImage } from '../../../src/walredo/wal/image';
import { trimSegments } from '../../support/wal/trim';
import { walFixture } from './fixtures';

describe.each([
  ['wal-v15-boundary', 'records crossing pages and a segment boundary'],
  ['wal-v15-workload', 'the whole corpus workload at a small scale'],
  ['wal-v18-boundary', 'v18 (page magic 0xD118, data checksums on) across a segment boundary'],
])('WAL reader against pg_waldump: %s (%s)', (name) => {
  const fx = walFixture(name);
  const wal = loadWalDirectory(fx.dir);
  const reader = new WalReader(wal);
  const read = reader.readAll(fx.from);
  const expected = parseWaldump(fx.waldump);

  it('reads the same records, LSNs, rmgrs, lengths and block references as pg_waldump', () => {
    const views = read.records.map((r) => toWaldumpView(r, decodeRecord(r.raw, wal.format)));
    const cmp = compareWithWaldump(expected, views);
    expect(cmp.mismatches).toEqual([]);
    expect(cmp.readerRecords).toBe(expected.length);
    expect(cmp.agreeing).toBe(expected.length);
    expect(expected.length).toBeGreaterThan(400);
  });

  it('recognises the major version from the page magic', () => {
    expect(wal.format.major).toBe(Number(/v(\d+)/.exec(name)![1]));
  });

  it('stops where the stored WAL ends, as pg_waldump does', () => {
    expect(read.stopReason).toMatch(/invalid magic number|invalid record length|no WAL data/);
  });

  it('restores every block image to 8192 bytes', () => {
    for (const r of read.records) {
      for (const b of decodeRecord(r.raw, wal.format).blocks)
        if (b.image) expect(restoreBlockImage(b.image)).toHaveLength(8192);
    }
  });
});

describe('WAL reader details', () => {
  const fx = walFixture('wal-v15-boundary');
  const wal = loadWalDirectory(fx.dir);

  it('reads a record that continues into the next segment', () => {
    const records = new WalReader(wal).readAll(fx.from).records;
    const boundary = BigInt(wal.segSize) * 2n;
    const crossing = records.find((r) => r.lsn < boundary && r.endLsn > boundary);
    expect(crossing).toBeDefined();
  });

  it('reads the segment layout from the long page header', () => {
    expect(wal.segSize).toBe(16 * 1024 * 1024);
    expect(wal.xlogBlcksz).toBe(8192);
    expect(wal.format.major).toBe(15);
  });

  it('skips the rest of a record continued from the previous page when starting at a page boundary', () => {
    const all = new WalReader(wal).readAll(fx.from).records;
    const mid = all.find((r) => r.lsn / 8192n !== r.endLsn / 8192n && r.endLsn % 8192n !== 0n)!;
    const page = mid.endLsn - (mid.endLsn % 8192n);
    const fromPage = new WalReader(wal).readAll(page).records;
    expect(fromPage[0].lsn).toBe(mid.endLsn);
  });

  it('stops at a record whose CRC does not match', () => {
    const good = new WalReader(wal).readAll(fx.from).records;
    const victim = good[10];
    const segno = victim.lsn / BigInt(wal.segSize);
    const copy = new Map(wal.segments);
    const data = Uint8Array.from(copy.get(segno)!);
    data[Number(victim.lsn % BigInt(wal.segSize)) + 18] ^= 0xff; // a padding byte of the record header
    copy.set(segno, data);
    const read = new WalReader({ ...wal, segments: copy }).readAll(fx.from);
    expect(read.records).toHaveLength(10);
    expect(read.stopReason).toMatch(/incorrect resource manager data checksum/);
  });

  it('trimming keeps only the requested range (and each segment header page)', () => {
    const first = new WalReader(wal).readAll(fx.from).records;
    const cut = first[100].lsn;
    const trimmed = trimSegments(wal, fx.from, cut - (cut % 8192n));
    const read = new WalReader(trimmed).readAll(fx.from);
    expect(read.records.length).toBeLessThan(100);
    expect(read.records.length).toBeGreaterThan(0);
  });
});
