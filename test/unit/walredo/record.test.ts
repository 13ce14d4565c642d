import { BLCKSZ, walFormat } from '../../../src/walredo/wal/constants';
import { restoreBlockImage } from '../../../src/walredo/wal/image';
import { decodeRecord, recordCrc, WalFormatError } from '../../../src/walredo/wal/record';
import { pglzLiteralOnly } from '../../support/wal/pglz';

/** Builds a record: 24-byte header, then the given header fragments and payload, with a correct CRC. */
function record(rmid: number, info: number, headers: number[][], payload: Uint8Array[]): Uint8Array {
  const body = Buffer.concat([Buffer.from(headers.flat()), ...payload.map((p) => Buffer.from(p))]);
  const raw = new Uint8Array(24 + body.length);
  const v = new DataView(raw.buffer);
  v.setUint32(0, raw.length, true);
  v.setUint32(4, 734, true);
  v.setBigUint64(8, 0x1500838n, true);
  raw[16] = info;
  raw[17] = rmid;
  raw.set(body, 24);
  v.setUint32(20, recordCrc(raw), true);
  return raw;
}
const u16 = (n: number) => [n & 0xff, n >> 8];
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];
const rel = [...u32(1663), ...u32(5), ...u32(16384)];

describe('decodeRecord', () => {
  const v15 = walFormat(15);
  const v14 = walFormat(14);

  it('decodes short main data only', () => {
    const d = decodeRecord(record(1, 0, [[255, 3]], [Uint8Array.from([7, 8, 9])]), v15);
    expect(d.blocks).toEqual([]);
    expect([...d.mainData]).toEqual([7, 8, 9]);
    expect(d.header).toMatchObject({ xid: 734, rmid: 1, prev: 0x1500838n });
  });

  it('decodes long main data, origin and top-level xid', () => {
    const main = new Uint8Array(300).fill(1);
    const d = decodeRecord(
      record(
        10,
        0,
        [
          [253, ...u16(7)],
          [252, ...u32(999)],
          [254, ...u32(300)],
        ],
        [main],
      ),
      v15,
    );
    expect(d.origin).toBe(7);
    expect(d.toplevelXid).toBe(999);
    expect(d.mainData).toHaveLength(300);
  });

  it('decodes block references with data, SAME_REL and WILL_INIT', () => {
    const data0 = Uint8Array.from([1, 2]);
    const data1 = Uint8Array.from([3, 4, 5]);
    const d = decodeRecord(
      record(
        10,
        0,
        [
          [0, 0x20 | 0x40, ...u16(2), ...rel, ...u32(4)],
          [1, 0x20 | 0x80 | 2, ...u16(3), ...u32(9)],
          [255, 1],
        ],
        [data0, data1, Uint8Array.from([42])],
      ),
      v15,
    );
    expect(d.blocks).toHaveLength(2);
    expect(d.blocks[0]).toMatchObject({
      blockId: 0,
      fork: 0,
      blkno: 4,
      willInit: true,
      rel: { spcOid: 1663, dbOid: 5, relNumber: 16384 },
    });
    expect([...d.blocks[0].data]).toEqual([1, 2]);
    expect(d.blocks[1]).toMatchObject({
      blockId: 1,
      fork: 2,
      blkno: 9,
      willInit: false,
      rel: { relNumber: 16384 },
    });
    expect([...d.blocks[1].data]).toEqual([3, 4, 5]);
    expect([...d.mainData]).toEqual([42]);
  });

  const page = new Uint8Array(BLCKSZ).map((_, i) => (i < 100 || i >= 8000 ? (i % 251) + 1 : 0));
  const holeless = Buffer.concat([page.subarray(0, 100), page.subarray(8000)]);

  it.each([
    ['v15 consistency image with hole', v15, 0x01, false],
    ['v15 image to apply', v15, 0x01 | 0x02, true],
    ['v14 image to apply', v14, 0x01 | 0x04, true],
    ['v14 consistency image', v14, 0x01, false],
  ])('decodes a %s', (_name, format, bimgInfo, apply) => {
    const d = decodeRecord(
      record(
        11,
        0,
        [[0, 0x10, ...u16(0), ...u16(holeless.length), ...u16(100), bimgInfo, ...rel, ...u32(1)]],
        [holeless],
      ),
      format,
    );
    const img = d.blocks[0].image!;
    expect(img).toMatchObject({ holeOffset: 100, holeLength: 7900, apply, compression: 'none' });
    expect(Buffer.compare(Buffer.from(restoreBlockImage(img)), Buffer.from(page))).toBe(0);
  });

  it.each([
    ['v15', v15, 0x04 | 0x01],
    ['v14', v14, 0x02 | 0x01],
  ])('decodes a %s PGLZ-compressed image with a hole length field', (_name, format, bimgInfo) => {
    const compressed = pglzLiteralOnly(holeless);
    const d = decodeRecord(
      record(
        11,
        0,
        [
          [
            0,
            0x10,
            ...u16(0),
            ...u16(compressed.length),
            ...u16(100),
            bimgInfo,
            ...u16(7900),
            ...rel,
            ...u32(1),
          ],
        ],
        [compressed],
      ),
      format,
    );
    expect(d.blocks[0].image).toMatchObject({ compression: 'pglz', holeLength: 7900 });
    expect(Buffer.compare(Buffer.from(restoreBlockImage(d.blocks[0].image!)), Buffer.from(page))).toBe(0);
  });

  it('names LZ4 and ZSTD images and refuses to restore them', () => {
    const d = decodeRecord(
      record(
        11,
        0,
        [[0, 0x10, ...u16(0), ...u16(10), ...u16(0), 0x08, ...rel, ...u32(1)]],
        [new Uint8Array(10)],
      ),
      v15,
    );
    expect(d.blocks[0].image!.compression).toBe('lz4');
    expect(() => restoreBlockImage(d.blocks[0].image!)).toThrow(/lz4.*wal_compression = off/s);
  });

  it.each([
    ['HAS_DATA without data', [[0, 0x20, ...u16(0), ...rel, ...u32(1)]], [], /HAS_DATA set, but no data/],
    [
      'data without HAS_DATA',
      [[0, 0x00, ...u16(2), ...rel, ...u32(1)]],
      [new Uint8Array(2)],
      /not set, but data length/,
    ],
    [
      'SAME_REL on the first block',
      [[0, 0x80, ...u16(0), ...u32(1)]],
      [],
      /SAME_REL set but no previous rel/,
    ],
    [
      'out-of-order block ids',
      [
        [1, 0, ...u16(0), ...rel, ...u32(1)],
        [0, 0x80, ...u16(0), ...u32(1)],
      ],
      [],
      /out-of-order block_id/,
    ],
    ['an invalid block id', [[100]], [], /invalid block_id 100/],
    [
      'a hole flag with a zero hole',
      [[0, 0x10, ...u16(0), ...u16(BLCKSZ), ...u16(0), 0x01, ...rel, ...u32(1)]],
      [new Uint8Array(BLCKSZ)],
      /HAS_HOLE set/,
    ],
    ['missing payload', [[255, 10]], [new Uint8Array(3)], /invalid length/],
  ])('rejects %s', (_name, headers, payload, message) => {
    expect(() => decodeRecord(record(10, 0, headers as number[][], payload as Uint8Array[]), v15)).toThrow(
      WalFormatError,
    );
    expect(() => decodeRecord(record(10, 0, headers as number[][], payload as Uint8Array[]), v15)).toThrow(
      message as RegExp,
    );
  });
});
