/**
 * Decoding of one WAL record (XLogRecord header onward), as DecodeXLogRecord in
 * src/backend/access/transam/xlogreader.c does it. Pure: bytes in, structure out.
 */
import {
  BKPBLOCK_FORK_MASK,
  BKPBLOCK_HAS_DATA,
  BKPBLOCK_HAS_IMAGE,
  BKPBLOCK_SAME_REL,
  BKPBLOCK_WILL_INIT,
  BLCKSZ,
  SIZE_OF_XLOG_RECORD,
  WalFormat,
  XLR_BLOCK_ID_DATA_LONG,
  XLR_BLOCK_ID_DATA_SHORT,
  XLR_BLOCK_ID_ORIGIN,
  XLR_BLOCK_ID_TOPLEVEL_XID,
  XLR_MAX_BLOCK_ID,
} from './constants';
import { crc32c } from '../../util/crc32c';

export class WalFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WalFormatError';
  }
}

export interface RelFileLocator {
  spcOid: number;
  dbOid: number;
  relNumber: number;
}

export type ImageCompression = 'none' | 'pglz' | 'lz4' | 'zstd';

export interface BlockImage {
  /** Length of the stored (hole-less, maybe compressed) image. */
  bimgLen: number;
  holeOffset: number;
  holeLength: number;
  bimgInfo: number;
  /** True when redo restores the image (a real full-page write); false for a consistency-check image. */
  apply: boolean;
  compression: ImageCompression;
  bytes: Uint8Array;
}

export interface BlockRef {
  blockId: number;
  forkFlags: number;
  fork: number;
  rel: RelFileLocator;
  blkno: number;
  willInit: boolean;
  hasData: boolean;
  data: Uint8Array;
  image?: BlockImage;
}

export interface XLogRecordHeader {
  totLen: number;
  xid: number;
  prev: bigint;
  info: number;
  rmid: number;
  crc: number;
}

export interface DecodedRecord {
  header: XLogRecordHeader;
  blocks: BlockRef[];
  mainData: Uint8Array;
  origin?: number;
  toplevelXid?: number;
}

export function readRecordHeader(raw: Uint8Array): XLogRecordHeader {
  if (raw.length < SIZE_OF_XLOG_RECORD)
    throw new WalFormatError(`record header needs 24 bytes, got ${raw.length}`);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  return {
    totLen: v.getUint32(0, true),
    xid: v.getUint32(4, true),
    prev: v.getBigUint64(8, true),
    info: raw[16],
    rmid: raw[17],
    crc: v.getUint32(20, true),
  };
}

/** The record CRC: CRC-32C over the payload after the header, then the header up to xl_crc. */
export function recordCrc(raw: Uint8Array): number {
  return crc32c(raw.subarray(SIZE_OF_XLOG_RECORD), raw.subarray(0, 20));
}

function compressionOf(info: number, format: WalFormat): ImageCompression {
  const b = format.bimg;
  if (info & b.pglz) return 'pglz';
  if (b.lz4 && info & b.lz4) return 'lz4';
  if (b.zstd && info & b.zstd) return 'zstd';
  return 'none';
}

/** Decodes block references and main data of a complete record; throws WalFormatError on malformed input. */
export function decodeRecord(raw: Uint8Array, format: WalFormat): DecodedRecord {
  const header = readRecordHeader(raw);
  if (header.totLen !== raw.length) {
    throw new WalFormatError(`xl_tot_len ${header.totLen} differs from the record's ${raw.length} bytes`);
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let pos = SIZE_OF_XLOG_RECORD;
  let remaining = raw.length - pos;
  let datatotal = 0;
  const need = (n: number, what: string): number => {
    if (remaining < n) throw new WalFormatError(`record too short for ${what}`);
    const at = pos;
    pos += n;
    remaining -= n;
    return at;
  };
  const blocks: BlockRef[] = [];
  const pendingImageLen: number[] = [];
  let mainDataLen = 0;
  let origin: number | undefined;
  let toplevelXid: number | undefined;
  let lastRel: RelFileLocator | undefined;
  let maxBlockId = -1;
  while (remaining > datatotal) {
    const blockId = raw[need(1, 'block id')];
    if (blockId === XLR_BLOCK_ID_DATA_SHORT) {
      mainDataLen = raw[need(1, 'short main data length')];
      datatotal += mainDataLen;
      break;
    } else if (blockId === XLR_BLOCK_ID_DATA_LONG) {
      mainDataLen = v.getUint32(need(4, 'long main data length'), true);
      datatotal += mainDataLen;
      break;
    } else if (blockId === XLR_BLOCK_ID_ORIGIN) {
      origin = v.getUint16(need(2, 'origin'), true);
    } else if (blockId === XLR_BLOCK_ID_TOPLEVEL_XID) {
      toplevelXid = v.getUint32(need(4, 'top-level xid'), true);
    } else if (blockId <= XLR_MAX_BLOCK_ID) {
      if (blockId <= maxBlockId) throw new WalFormatError(`out-of-order block_id ${blockId}`);
      maxBlockId = blockId;
      const forkFlags = raw[need(1, 'fork flags')];
      const dataLen = v.getUint16(need(2, 'block data length'), true);
      const hasData = (forkFlags & BKPBLOCK_HAS_DATA) !== 0;
      if (hasData && dataLen === 0)
        throw new WalFormatError(`BKPBLOCK_HAS_DATA set, but no data (block ${blockId})`);
      if (!hasData && dataLen !== 0)
        throw new WalFormatError(`BKPBLOCK_HAS_DATA not set, but data length ${dataLen}`);
      datatotal += dataLen;
      let image: Omit<BlockImage, 'bytes'> | undefined;
      if (forkFlags & BKPBLOCK_HAS_IMAGE) {
        const bimgLen = v.getUint16(need(2, 'image length'), true);
        const holeOffset = v.getUint16(need(2, 'hole offset'), true);
        const bimgInfo = raw[need(1, 'image flags')];
        const compression = compressionOf(bimgInfo, format);
        const hasHole = (bimgInfo & format.bimg.hasHole) !== 0;
        let holeLength: number;
        if (compression !== 'none') holeLength = hasHole ? v.getUint16(need(2, 'hole length'), true) : 0;
        else holeLength = BLCKSZ - bimgLen;
        datatotal += bimgLen;
        if (hasHole && (holeOffset === 0 || holeLength === 0 || bimgLen === BLCKSZ)) {
          throw new WalFormatError(
            `BKPIMAGE_HAS_HOLE set, but hole offset ${holeOffset} length ${holeLength} image length ${bimgLen}`,
          );
        }
        if (!hasHole && (holeOffset !== 0 || holeLength !== 0)) {
          throw new WalFormatError(
            `BKPIMAGE_HAS_HOLE not set, but hole offset ${holeOffset} length ${holeLength}`,
          );
        }
        if (compression !== 'none' && bimgLen === BLCKSZ) {
          throw new WalFormatError(`compressed image with length ${bimgLen}`);
        }
        image = {
          bimgLen,
          holeOffset,
          holeLength,
          bimgInfo,
          apply: (bimgInfo & format.bimg.apply) !== 0,
          compression,
        };
      }
      let rel: RelFileLocator;
      if (!(forkFlags & BKPBLOCK_SAME_REL)) {
        const at = need(12, 'relation');
        rel = {
          spcOid: v.getUint32(at, true),
          dbOid: v.getUint32(at + 4, true),
          relNumber: v.getUint32(at + 8, true),
        };
        lastRel = rel;
      } else {
        if (!lastRel) throw new WalFormatError('BKPBLOCK_SAME_REL set but no previous rel');
        rel = lastRel;
      }
      const blkno = v.getUint32(need(4, 'block number'), true);
      blocks.push({
        blockId,
        forkFlags,
        fork: forkFlags & BKPBLOCK_FORK_MASK,
        rel,
        blkno,
        willInit: (forkFlags & BKPBLOCK_WILL_INIT) !== 0,
        hasData,
        data: new Uint8Array(0),
        image: image ? { ...image, bytes: new Uint8Array(0) } : undefined,
      });
      pendingImageLen.push(dataLen);
    } else {
      throw new WalFormatError(`invalid block_id ${blockId}`);
    }
  }
  if (remaining !== datatotal) throw new WalFormatError('record with invalid length');
  blocks.forEach((b, i) => {
    if (b.image) {
      b.image.bytes = raw.subarray(pos, pos + b.image.bimgLen);
      pos += b.image.bimgLen;
    }
    const dataLen = pendingImageLen[i];
    if (dataLen) {
      b.data = raw.subarray(pos, pos + dataLen);
      pos += dataLen;
    }
  });
  const mainData = raw.subarray(pos, pos + mainDataLen);
  return { header, blocks, mainData, origin, toplevelXid };
}
