import {
  applyRecord,
  beginRedoForBlock,
  encodeRedoRequest,
  encodeTag,
  getPage,
  ping,
  pushPage,
} from '../../../src/walredo/protocol';
import { decodeTag, parseMessages } from '../../support/walredo-protocol';

const tag = { fork: 2, spcOid: 1663, dbOid: 5, relNumber: 0x01020304, blkno: 0xfffffffe };

describe('walredo protocol framing', () => {
  it('encodes a buffer tag in 17 big-endian bytes, fork number first', () => {
    expect(encodeTag(tag).toString('hex')).toBe('02' + '0000067f' + '00000005' + '01020304' + 'fffffffe');
    expect(decodeTag(encodeTag(tag))).toEqual(tag);
  });

  const record = new Uint8Array(59).fill(7);
  it.each([
    ['B', beginRedoForBlock(tag), 21],
    ['P', pushPage(tag, new Uint8Array(8192)), 8213],
    ['A', applyRecord(0x1500838n, record), 12 + 59],
    ['G', getPage(tag), 21],
    ['H', ping(), 4],
  ])('%s has the length field the storage service writes', (type, msg, length) => {
    expect(String.fromCharCode(msg[0])).toBe(type);
    expect(msg.readUInt32BE(1)).toBe(length);
    expect(msg).toHaveLength(1 + length);
  });

  it('A carries the end LSN as a big-endian u64 before the record', () => {
    const a = applyRecord(0x0000000102345678n, record);
    expect(a.subarray(5, 13).toString('hex')).toBe('0000000102345678');
    expect(Buffer.compare(a.subarray(13), Buffer.from(record))).toBe(0);
  });

  it('rejects a pushed page that is not 8192 bytes', () => {
    expect(() => pushPage(tag, new Uint8Array(100))).toThrow(RangeError);
  });

  it('a request is B, P, A..., G; without a base page there is no P', () => {
    const records = [
      { endLsn: 100n, raw: record },
      { endLsn: 200n, raw: record },
    ];
    const withBase = parseMessages(encodeRedoRequest({ tag, base: new Uint8Array(8192), records }));
    expect(withBase.messages.map((m) => m.type).join('')).toBe('BPAAG');
    expect(withBase.rest).toHaveLength(0);
    const init = parseMessages(encodeRedoRequest({ tag, records }));
    expect(init.messages.map((m) => m.type).join('')).toBe('BAAG');
    expect(decodeTag(init.messages[0].payload)).toEqual(tag);
  });

  it('parseMessages keeps an incomplete tail and rejects a length below 4', () => {
    const bytes = Buffer.concat([ping(), getPage(tag).subarray(0, 10)]);
    const r = parseMessages(bytes);
    expect(r.messages).toHaveLength(1);
    expect(r.rest).toHaveLength(10);
    expect(() => parseMessages(Buffer.from([0x48, 0, 0, 0, 2]))).toThrow(/below 4/);
  });
});
