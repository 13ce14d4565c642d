import { crc32c } from '../../../src/util/crc32c';
import { pglzDecompress, PglzError } from '../../../src/walredo/wal/pglz';
import { pglzLiteralOnly } from '../../support/wal/pglz';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

describe('crc32c', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xc1d04330],
    ['123456789', 0xe3069283],
    ['The quick brown fox jumps over the lazy dog', 0x22620404],
  ])('crc32c(%j) = %s', (text, crc) => {
    expect(crc32c(ascii(text))).toBe(crc);
  });

  it('is the same over parts as over their concatenation', () => {
    expect(crc32c(ascii('12345'), ascii('6789'))).toBe(0xe3069283);
    expect(crc32c(ascii('1234'), ascii(''), ascii('56789'))).toBe(0xe3069283);
  });
});

describe('pglz decompression', () => {
  it('copies literal runs', () => {
    const data = ascii('hello, pglz world');
    expect(Buffer.from(pglzDecompress(pglzLiteralOnly(data), data.length)).toString('latin1')).toBe(
      'hello, pglz world',
    );
  });

  it.each([
    // ctrl 0b1000 -> 3 literals, then a back-reference: off 3, len 9 (0x06 + 3) -> overlapping copy
    ['overlapping back-reference', [0x08, 0x61, 0x62, 0x63, 0x06, 0x03], 'abcabcabcabc'],
    // length nibble 0x0f means 18 + an extra length byte
    ['extended length', [0x02, 0x7a, 0x0f, 0x01, 0x02], 'z'.repeat(1 + 20)],
    // offset uses the high nibble of the first byte as bits 8-11
    ['literal then short reference', [0x04, 0x78, 0x79, 0x00, 0x02], 'xyxyx'],
  ])('%s', (_name, src, out) => {
    expect(Buffer.from(pglzDecompress(Uint8Array.from(src), out.length)).toString('latin1')).toBe(out);
  });

  it.each([
    ['an offset of 0', [0x01, 0x00, 0x00]],
    ['an offset before the start of the output', [0x02, 0x61, 0x00, 0x05]],
    ['a cut-off back-reference', [0x02, 0x61, 0x00]],
  ])('rejects %s', (_name, src) => {
    expect(() => pglzDecompress(Uint8Array.from(src), 10)).toThrow(PglzError);
  });

  it('rejects input that does not fill the output exactly', () => {
    expect(() => pglzDecompress(pglzLiteralOnly(ascii('abc')), 5)).toThrow(/decompressed 3 of 5/);
  });
});
