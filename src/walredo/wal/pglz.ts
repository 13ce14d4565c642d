/**
 * PGLZ decompression (src/common/pg_lzcompress.c, pglz_decompress): a control byte announces,
 * bit by bit from the lowest, whether each of the next 8 items is a literal byte (0) or a
 * back-reference (1): two bytes holding a 12-bit offset and a 4-bit length - 3, with one more
 * length byte when the 4 bits are all set (length 18).
 */
export class PglzError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PglzError';
  }
}

export function pglzDecompress(src: Uint8Array, rawSize: number, checkComplete = true): Uint8Array {
  const dest = new Uint8Array(rawSize);
  let sp = 0;
  let dp = 0;
  while (sp < src.length && dp < rawSize) {
    let ctrl = src[sp++];
    for (let bit = 0; bit < 8 && sp < src.length && dp < rawSize; bit++) {
      if (ctrl & 1) {
        if (sp + 1 >= src.length) throw new PglzError('back-reference cut short');
        let len = (src[sp] & 0x0f) + 3;
        const off = ((src[sp] & 0xf0) << 4) | src[sp + 1];
        sp += 2;
        if (len === 18) {
          if (sp >= src.length) throw new PglzError('extended length cut short');
          len += src[sp++];
        }
        if (off === 0 || off > dp)
          throw new PglzError(`back-reference offset ${off} outside the output (${dp} bytes)`);
        len = Math.min(len, rawSize - dp);
        for (let i = 0; i < len; i++, dp++) dest[dp] = dest[dp - off];
      } else {
        dest[dp++] = src[sp++];
      }
      ctrl >>= 1;
    }
  }
  if (checkComplete && (dp !== rawSize || sp !== src.length)) {
    throw new PglzError(`decompressed ${dp} of ${rawSize} bytes using ${sp} of ${src.length} input bytes`);
  }
  return dest;
}
