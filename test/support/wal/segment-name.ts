/** A WAL segment's file name (the inverse of src/walredo/wal/files.ts segmentNumberFromName). */
export function segmentFileName(tli: number, segno: bigint, segSize: number): string {
  const perId = 0x100000000n / BigInt(segSize);
  const hex = (n: bigint | number) => n.toString(16).toUpperCase().padStart(8, '0');
  return hex(tli) + hex(segno / perId) + hex(segno % perId);
}
