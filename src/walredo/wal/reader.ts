/**
 * A WAL stream reader over segment contents (pure: the caller loads the files). Follows
 * xlogreader.c: records are MAXALIGNed, may start anywhere on a page after its header, may
 * span pages and segments (continuation pages carry XLP_FIRST_IS_CONTRECORD and xlp_rem_len),
 * and reading stops at the first invalid or missing page or record, as pg_waldump does.
 */
import { MAXALIGN, RM, SIZE_OF_XLOG_RECORD, WalFormat, formatLsn } from './constants';
import { PageHeader, pageHeaderProblem, parsePageHeader } from './page-header';
import { readRecordHeader, recordCrc, XLogRecordHeader } from './record';

export interface WalSegments {
  segSize: number;
  xlogBlcksz: number;
  format: WalFormat;
  /** Segment number -> its bytes (a segment may be shorter than segSize: missing pages end the stream). */
  segments: Map<bigint, Uint8Array>;
}

export interface RawWalRecord {
  lsn: bigint;
  /** EndRecPtr: the MAXALIGNed position after the record; what redo stores in pd_lsn. */
  endLsn: bigint;
  header: XLogRecordHeader;
  /** The record bytes, header onward, without page headers. */
  raw: Uint8Array;
}

export interface ReadResult {
  records: RawWalRecord[];
  /** Why reading stopped (end of WAL, invalid page, CRC mismatch...). */
  stopReason: string;
  stopLsn: bigint;
}

const XLOG_SWITCH = 0x40;

function align(n: bigint): bigint {
  const a = BigInt(MAXALIGN);
  return (n + a - 1n) & ~(a - 1n);
}

class StopReading extends Error {}

/** XLogRecordMaxSize of xlogrecord.h: 1020 MiB */
const XLOG_RECORD_MAX_SIZE = 1020 * 1024 * 1024;

export class WalReader {
  private readonly blck: bigint;
  private readonly seg: bigint;
  private readonly headers = new Map<bigint, PageHeader>();

  constructor(private readonly wal: WalSegments) {
    this.blck = BigInt(wal.xlogBlcksz);
    this.seg = BigInt(wal.segSize);
  }

  /** The first LSN of the lowest segment present. */
  firstSegmentStart(): bigint {
    const nums = [...this.wal.segments.keys()].sort((a, b) => (a < b ? -1 : 1));
    if (nums.length === 0) throw new Error('no WAL segments given');
    return nums[0] * this.seg;
  }

  private pageBytes(pageLsn: bigint): Uint8Array | undefined {
    const segno = pageLsn / this.seg;
    const data = this.wal.segments.get(segno);
    if (!data) return undefined;
    const off = Number(pageLsn % this.seg);
    if (off + this.wal.xlogBlcksz > data.length) return undefined;
    return data.subarray(off, off + this.wal.xlogBlcksz);
  }

  private header(pageLsn: bigint): PageHeader {
    const cached = this.headers.get(pageLsn);
    if (cached) return cached;
    const bytes = this.pageBytes(pageLsn);
    if (!bytes) throw new StopReading(`no WAL data at ${formatLsn(pageLsn)} (end of the available segments)`);
    const h = parsePageHeader(bytes);
    const problem = pageHeaderProblem(h, pageLsn, this.wal.format, pageLsn % this.seg === 0n);
    if (problem) throw new StopReading(`${problem} in WAL page at ${formatLsn(pageLsn)}`);
    this.headers.set(pageLsn, h);
    return h;
  }

  /**
   * The first record start at or after `lsn`: at a page start, skips the page header and the
   * rest of a record continued from the previous page (as XLogFindNextRecord does).
   */
  findFirstRecord(lsn: bigint): bigint {
    let p = lsn;
    if (p % this.blck !== 0n) return align(p);
    let h = this.header(p);
    p += BigInt(h.size);
    let rem = h.isContRecord ? BigInt(h.remLen) : 0n;
    while (rem > 0n) {
      const pageEnd = p - (p % this.blck) + this.blck;
      if (p + rem <= pageEnd) {
        p = align(p + rem);
        rem = 0n;
      } else {
        rem -= pageEnd - p;
        h = this.header(pageEnd);
        p = pageEnd + BigInt(h.size);
      }
    }
    return p;
  }

  /**
   * The first page of the segments with a valid page header: where a sample that begins inside a
   * segment (pages before it zeroed or recycled) can be read from. The first segment's start when
   * none is valid (reading then stops at once with the reason).
   */
  firstValidPage(): bigint {
    const nums = [...this.wal.segments.keys()].sort((a, b) => (a < b ? -1 : 1));
    for (const segno of nums) {
      const data = this.wal.segments.get(segno)!;
      for (let off = 0; off + this.wal.xlogBlcksz <= data.length; off += this.wal.xlogBlcksz) {
        const lsn = segno * this.seg + BigInt(off);
        const h = parsePageHeader(data.subarray(off, off + this.wal.xlogBlcksz));
        if (!pageHeaderProblem(h, lsn, this.wal.format, off === 0)) return lsn;
      }
    }
    return this.firstSegmentStart();
  }

  /** Reads one record starting at `lsn` (a record start or a page boundary before one). */
  readRecord(lsn: bigint): RawWalRecord {
    let p = lsn;
    if (p % this.blck === 0n) p += BigInt(this.header(p).size);
    const start = p;
    const firstPage = start - (start % this.blck);
    this.header(firstPage);
    const page = this.pageBytes(firstPage)!;
    const inPage = Number(start - firstPage);
    const totLen = new DataView(page.buffer, page.byteOffset + inPage, 4).getUint32(0, true);
    if (totLen === 0)
      throw new StopReading(`invalid record length at ${formatLsn(start)}: expected at least 24, got 0`);
    if (totLen < SIZE_OF_XLOG_RECORD) {
      throw new StopReading(
        `invalid record length at ${formatLsn(start)}: expected at least 24, got ${totLen}`,
      );
    }
    // XLogRecordMaxSize; and never more than the WAL loaded (hostile samples: nothing allocated for them)
    const loaded = [...this.wal.segments.values()].reduce((n, d) => n + d.length, 0);
    if (totLen > XLOG_RECORD_MAX_SIZE || totLen > loaded)
      throw new StopReading(
        `invalid record length at ${formatLsn(start)}: ${totLen} bytes is more than ${totLen > XLOG_RECORD_MAX_SIZE ? 'a WAL record can hold' : 'the WAL given'}`,
      );
    const raw = new Uint8Array(totLen);
    let copied = 0;
    while (copied < totLen) {
      const pageStart = p - (p % this.blck);
      if (p === pageStart) {
        const h = this.header(pageStart);
        if (!h.isContRecord) throw new StopReading(`there is no contrecord flag at ${formatLsn(pageStart)}`);
        if (h.remLen !== totLen - copied) {
          throw new StopReading(
            `invalid contrecord length ${h.remLen} (expected ${totLen - copied}) at ${formatLsn(pageStart)}`,
          );
        }
        p += BigInt(h.size);
      }
      const bytes = this.pageBytes(pageStart)!;
      const from = Number(p - pageStart);
      const n = Math.min(totLen - copied, this.wal.xlogBlcksz - from);
      raw.set(bytes.subarray(from, from + n), copied);
      copied += n;
      p += BigInt(n);
    }
    const header = readRecordHeader(raw);
    if (header.rmid > RM.LOGICALMSG && header.rmid < 128) {
      throw new StopReading(`invalid resource manager ID ${header.rmid} at ${formatLsn(start)}`);
    }
    if (recordCrc(raw) !== header.crc) {
      throw new StopReading(`incorrect resource manager data checksum in record at ${formatLsn(start)}`);
    }
    let endLsn = align(p);
    if (header.rmid === RM.XLOG && (header.info & 0xf0) === XLOG_SWITCH) {
      endLsn = endLsn + this.seg - 1n;
      endLsn -= endLsn % this.seg;
    }
    return { lsn: start, endLsn, header, raw };
  }

  /** Why the last iteration of `records()` stopped, and where. */
  stopReason = '';
  stopLsn = 0n;

  /** Yields records from `startLsn` (default: the first record of the first segment) until the WAL ends. */
  *records(startLsn?: bigint): Generator<RawWalRecord> {
    let lsn = startLsn ?? this.firstSegmentStart();
    let prevLsn: bigint | undefined;
    this.stopReason = '';
    try {
      lsn = this.findFirstRecord(lsn);
      for (;;) {
        const rec = this.readRecord(lsn);
        if (prevLsn !== undefined && rec.header.prev !== prevLsn) {
          throw new StopReading(
            `record with incorrect prev-link ${formatLsn(rec.header.prev)} at ${formatLsn(rec.lsn)}`,
          );
        }
        prevLsn = rec.lsn;
        lsn = rec.endLsn;
        this.stopLsn = lsn;
        yield rec;
      }
    } catch (e) {
      if (!(e instanceof StopReading)) throw e;
      this.stopReason = e.message;
      this.stopLsn = lsn;
    }
  }

  /** Reads all records from `startLsn` until the WAL ends. */
  readAll(startLsn?: bigint): ReadResult {
    const records = [...this.records(startLsn)];
    return { records, stopReason: this.stopReason, stopLsn: this.stopLsn };
  }
}
