/**
 * CRC-32C (Castagnoli), as PostgreSQL's pg_crc32c computes it for WAL records and pg_control.
 * The arithmetic comes from SheetJS's crc-32 package (crc-32/crc32c); this file only adapts it
 * to unsigned results and to CRCs computed over several parts.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const CRC32C = require('crc-32/crc32c') as { buf(data: Uint8Array, seed?: number): number };

/** CRC-32C of the concatenation of `parts`, unsigned. */
export function crc32c(...parts: Uint8Array[]): number {
  let crc = 0;
  for (const part of parts) crc = CRC32C.buf(part, crc);
  return crc >>> 0;
}
