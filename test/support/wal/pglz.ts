/** PGLZ input for tests of the decompressor (src/walredo/wal/pglz.ts). */

/** Compresses `data` as literal runs only: valid PGLZ input for tests of the decompressor's literal path. */
export function pglzLiteralOnly(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < data.length; i += 8) {
    out.push(0);
    for (let j = i; j < Math.min(i + 8, data.length); j++) out.push(data[j]);
  }
  return Uint8Array.from(out);
}
