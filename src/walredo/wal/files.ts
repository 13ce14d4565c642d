/** Loading WAL segment files from a directory (the only file-system part of the WAL reader). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../../util/errors';
import { walFormat, walFormatByMagic } from './constants';
import { segmentLayout } from './page-header';
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

export function segmentFileName(tli: number, segno: bigint, segSize: number): string {
  const perId = 0x100000000n / BigInt(segSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(tli) + hex(segno / perId) + hex(segno % perId);
}

/**
 * Loads the segment files of one timeline from `dir` (names as in pg_wal, optionally `.gz`).
 * The segment size, page size and format come from the first file's long page header.
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
    return n.endsWith('.gz') ? gunzipSync(b) : b;
  };
  const first = read(names[0]);
  const layout = segmentLayout(first);
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
