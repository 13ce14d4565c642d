/**
 * Framing of the walredo protocol spoken over the process's stdin/stdout. Each request: one type
 * byte, a big-endian u32 length counting itself and the payload (not the type byte), the payload.
 * Only G (GetPage) and H (Ping) are answered, each with exactly 8192 bytes and no header.
 */
import { BLCKSZ } from './wal/constants';

export interface BufferTag {
  fork: number;
  spcOid: number;
  dbOid: number;
  relNumber: number;
  blkno: number;
}

export const TAG_SIZE = 17;
export const PAGE_SIZE = BLCKSZ;
export const RESPONSE_SIZE = BLCKSZ;

export const MSG = { begin: 'B', push: 'P', apply: 'A', get: 'G', ping: 'H' } as const;

/** 17 bytes, big-endian: forknum u8, spcOid u32, dbOid u32, relNumber u32, blkno u32. */
export function encodeTag(tag: BufferTag): Buffer {
  const b = Buffer.alloc(TAG_SIZE);
  b.writeUInt8(tag.fork, 0);
  b.writeUInt32BE(tag.spcOid >>> 0, 1);
  b.writeUInt32BE(tag.dbOid >>> 0, 5);
  b.writeUInt32BE(tag.relNumber >>> 0, 9);
  b.writeUInt32BE(tag.blkno >>> 0, 13);
  return b;
}

/** One message: type byte, u32 length (4 + payload), payload. */
export function frame(type: string, ...payload: Uint8Array[]): Buffer {
  const len = payload.reduce((s, p) => s + p.length, 0);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(4 + len, 1);
  return Buffer.concat([head, ...payload]);
}

export function beginRedoForBlock(tag: BufferTag): Buffer {
  return frame(MSG.begin, encodeTag(tag));
}

export function pushPage(tag: BufferTag, page: Uint8Array): Buffer {
  if (page.length !== PAGE_SIZE)
    throw new RangeError(`a pushed page must have ${PAGE_SIZE} bytes, got ${page.length}`);
  return frame(MSG.push, encodeTag(tag), page);
}

/** A: the record's end LSN (u64, big-endian) and the raw record from the XLogRecord header on. */
export function applyRecord(endLsn: bigint, record: Uint8Array): Buffer {
  const lsn = Buffer.alloc(8);
  lsn.writeBigUInt64BE(endLsn);
  return frame(MSG.apply, lsn, record);
}

export function getPage(tag: BufferTag): Buffer {
  return frame(MSG.get, encodeTag(tag));
}

export function ping(): Buffer {
  return frame(MSG.ping);
}

export interface RedoRequest {
  tag: BufferTag;
  base?: Uint8Array;
  records: { endLsn: bigint; raw: Uint8Array }[];
}

/** The bytes of one redo request: B, P unless the chain starts by initialising the page, A..., G. */
export function encodeRedoRequest(req: RedoRequest): Buffer {
  const parts = [beginRedoForBlock(req.tag)];
  if (req.base) parts.push(pushPage(req.tag, req.base));
  for (const r of req.records) parts.push(applyRecord(r.endLsn, r.raw));
  parts.push(getPage(req.tag));
  return Buffer.concat(parts);
}
