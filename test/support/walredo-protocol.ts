/** Reading the walredo protocol's requests back (tests check the framing src/walredo/protocol.ts writes). */
import { BufferTag } from '../../src/walredo/protocol';

/** A tag as encodeTag writes it: 17 bytes, big-endian. */
export function decodeTag(b: Uint8Array): BufferTag {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return {
    fork: buf.readUInt8(0),
    spcOid: buf.readUInt32BE(1),
    dbOid: buf.readUInt32BE(5),
    relNumber: buf.readUInt32BE(9),
    blkno: buf.readUInt32BE(13),
  };
}

/** A parsed request message. */
export interface ParsedMessage {
  type: string;
  length: number;
  payload: Buffer;
}

/** Splits a byte stream of requests into messages; returns the rest that is not yet complete. */
export function parseMessages(stream: Buffer): { messages: ParsedMessage[]; rest: Buffer } {
  const messages: ParsedMessage[] = [];
  let p = 0;
  while (stream.length - p >= 5) {
    const length = stream.readUInt32BE(p + 1);
    if (length < 4) throw new RangeError(`message length ${length} is below 4`);
    if (stream.length - p < 1 + length) break;
    messages.push({
      type: String.fromCharCode(stream[p]),
      length,
      payload: stream.subarray(p + 5, p + 1 + length),
    });
    p += 1 + length;
  }
  return { messages, rest: stream.subarray(p) };
}
