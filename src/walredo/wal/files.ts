/** Loading WAL segment files from a directory (the only file-system part of the WAL reader). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../util/errors';
import { walFormat, walFormatByMagic, XLOG_BLCKSZ } from './constants';
import { parsePageHeader, segmentLayout } from './page-header';
import { WalFormatError } from './record';
import { WalSegments } from './reader';

const SEGMENT_NAME = /^([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})(\.gz)?$/;

/** Segment number from a file name TTTTTTTTXXXXXXXXYYYYYYYY (timeline, log id, segment in log id). */
export function segmentNumberFromName(
  name: string,
  segSize: number,
): { tli: number; segno: bigint } | undefined {
  const m = SEGMENT_NAME.exec(name);
  if (!m) return undefined;
  const perId = 0x100000000n / BigInt(segSize);
  return { tli: parseInt(m[1], 16), segno: BigInt('0x' + m[2]) * perId + BigInt('0x' + m[3]) };
}

/**
 * The layout of a segment file (pure): from its long page header, or, for a segment whose WAL
 * begins part-way (the storage service starts a timeline in the middle of a segment, the pages
 * before it zero), from the file's size and the first page with a known page magic.
 */
export function layoutOf(data: Uint8Array): ReturnType<typeof segmentLayout> {
  let layout: ReturnType<typeof segmentLayout>;
  try {
    layout = segmentLayout(data);
  } catch (e) {
    const size = data.length;
    const powerOfTwo = size >= 1 << 20 && size <= 1 << 30 && (size & (size - 1)) === 0;
    for (let off = XLOG_BLCKSZ; powerOfTwo && off + XLOG_BLCKSZ <= size; off += XLOG_BLCKSZ) {
      const h = parsePageHeader(data.subarray(off, off + XLOG_BLCKSZ));
      const format = walFormatByMagic(h.magic);
      if (format) return { segSize: size, xlogBlcksz: XLOG_BLCKSZ, format, tli: h.tli };
    }
    throw e;
  }
  const { segSize, xlogBlcksz } = layout;
  if (xlogBlcksz !== XLOG_BLCKSZ || segSize < 1 << 20 || segSize > 1 << 30 || (segSize & (segSize - 1)) !== 0)
    throw new WalFormatError(
      `the long page header gives ${xlogBlcksz}-byte pages and ${segSize}-byte segments (expected 8192 and a power of two from 1 MiB to 1 GiB)`,
    );
  return layout;
}

/**
 * Loads the segment files of one timeline from `dir` (names as in pg_wal, optionally `.gz`).
 * The segment size, page size and format come from the first file's long page header (layoutOf).
 */
export function loadWalDirectory(dir: string, major?: number): WalSegments {
  const names = readdirSync(dir)
    .filter((n) => SEGMENT_NAME.test(n))
    .sort();
  if (names.length === 0) {
    throw new UserError(
      `no WAL segment files in ${dir}`,
      'point at a pg_wal directory or a copy of its segment files',
    );
  }
  const read = (n: string) => {
    const b = readFileSync(join(dir, n));
    // a segment is at most 1 GiB: a compressed file that inflates beyond is refused, not inflated
    return n.endsWith('.gz') ? gunzipSync(b, { maxOutputLength: 1 << 30 }) : b;
  };
  const first = read(names[0]);
  const layout = layoutOf(first);
  const format = major !== undefined ? walFormat(major) : layout.format;
  if (!format) {
    throw new UserError(
      `the WAL in ${dir} has an unknown page magic`,
      'pass the PostgreSQL major version explicitly or check that the files are WAL segments',
    );
  }
  const byMagic = walFormatByMagic(format.pageMagic);
  const segments = new Map<bigint, Uint8Array>();
  const tli = segmentNumberFromName(names[0], layout.segSize)!.tli;
  for (const n of names) {
    const id = segmentNumberFromName(n, layout.segSize)!;
    if (id.tli !== tli) continue;
    segments.set(id.segno, n === names[0] ? first : read(n));
  }
  return { segSize: layout.segSize, xlogBlcksz: layout.xlogBlcksz, format: byMagic ?? format, segments };
}
