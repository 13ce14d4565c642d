/**
 * Cutting a WAL range out of segments (for small fixtures): pages outside [from, to) become zeros,
 * except the first page of each segment, whose long header tells readers the segment layout.
 */
import { WalSegments } from '../../../src/walredo/wal/reader';

export function trimSegments(wal: WalSegments, from: bigint, to: bigint): WalSegments {
  const seg = BigInt(wal.segSize);
  const page = BigInt(wal.xlogBlcksz);
  const firstPage = from - (from % page);
  const segments = new Map<bigint, Uint8Array>();
  for (const [segno, data] of wal.segments) {
    const segStart = segno * seg;
    if (segStart + seg <= firstPage || segStart >= to) continue;
    const out = new Uint8Array(wal.segSize);
    const a = Number(firstPage > segStart ? firstPage - segStart : 0n);
    const b = Number(to < segStart + seg ? to - segStart : seg);
    const bAligned = Math.ceil(b / wal.xlogBlcksz) * wal.xlogBlcksz;
    out.set(data.subarray(a, Math.min(bAligned, data.length)), a);
    out.set(data.subarray(0, wal.xlogBlcksz), 0);
    segments.set(segno, out);
  }
  return { ...wal, segments };
}
