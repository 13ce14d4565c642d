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
/** Bounds-checked reading of a record's header area, front to back. */
class RecordCursor {
  readonly view: DataView;
  pos = SIZE_OF_XLOG_RECORD;
  remaining: number;
  constructor(readonly raw: Uint8Array) {
    this.view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    this.remaining = raw.length - this.pos;
  }
  /** Offset of the next `n` bytes, consumed. */
  need(n: number, what: string): number {
    if (this.remaining < n) throw new WalFormatError(`record too short for ${what}`);
    const at = this.pos;
    this.pos += n;
    this.remaining -= n;
    return at;
  }
  u8 = (what: string) => this.raw[this.need(1, what)];
  u16 = (what: string) => this.view.getUint16(this.need(2, what), true);
  u32 = (what: string) => this.view.getUint32(this.need(4, what), true);
}

export function decodeRecord(raw: Uint8Array, format: WalFormat): DecodedRecord {
  const header = readRecordHeader(raw);
  if (header.totLen !== raw.length) {
    throw new WalFormatError(`xl_tot_len ${header.totLen} differs from the record's ${raw.length} bytes`);
  }
  const c = new RecordCursor(raw);
  const blocks: BlockRef[] = [];
  /** per block: its data length, then the image and data bytes follow the headers in block order */
  const dataLens: number[] = [];
  let datatotal = 0;
  let mainDataLen = 0;
  let origin: number | undefined;
  let toplevelXid: number | undefined;
  while (c.remaining > datatotal) {
    const blockId = c.u8('block id');
    if (blockId === XLR_BLOCK_ID_DATA_SHORT || blockId === XLR_BLOCK_ID_DATA_LONG) {
      mainDataLen =
        blockId === XLR_BLOCK_ID_DATA_SHORT ? c.u8('short main data length') : c.u32('long main data length');
      datatotal += mainDataLen;
      break;
    } else if (blockId === XLR_BLOCK_ID_ORIGIN) origin = c.u16('origin');
    else if (blockId === XLR_BLOCK_ID_TOPLEVEL_XID) toplevelXid = c.u32('top-level xid');
    else if (blockId <= XLR_MAX_BLOCK_ID) {
      const last = blocks[blocks.length - 1];
      if (last && blockId <= last.blockId) throw new WalFormatError(`out-of-order block_id ${blockId}`);
      const { block, dataLen } = readBlockHeader(c, blockId, format, last?.rel);
      blocks.push(block);
      dataLens.push(dataLen);
      datatotal += dataLen + (block.image?.bimgLen ?? 0);
    } else {
      throw new WalFormatError(`invalid block_id ${blockId}`);
    }
  }
  if (c.remaining !== datatotal) throw new WalFormatError('record with invalid length');
  let pos = c.pos;
  blocks.forEach((b, i) => {
    if (b.image) {
      b.image.bytes = raw.subarray(pos, pos + b.image.bimgLen);
      pos += b.image.bimgLen;
    }
    if (dataLens[i]) {
      b.data = raw.subarray(pos, pos + dataLens[i]);
      pos += dataLens[i];
    }
  });
  const mainData = raw.subarray(pos, pos + mainDataLen);
  return { header, blocks, mainData, origin, toplevelXid };
}

/** One block reference header (after its id): fork flags, data length, image header, relation, block number. */
function readBlockHeader(
  c: RecordCursor,
  blockId: number,
  format: WalFormat,
  previousRel: RelFileLocator | undefined,
): { block: BlockRef; dataLen: number } {
  const forkFlags = c.u8('fork flags');
  const dataLen = c.u16('block data length');
  const hasData = (forkFlags & BKPBLOCK_HAS_DATA) !== 0;
  if (hasData && dataLen === 0)
    throw new WalFormatError(`BKPBLOCK_HAS_DATA set, but no data (block ${blockId})`);
  if (!hasData && dataLen !== 0)
    throw new WalFormatError(`BKPBLOCK_HAS_DATA not set, but data length ${dataLen}`);
  const image = forkFlags & BKPBLOCK_HAS_IMAGE ? readImageHeader(c, format) : undefined;
  let rel: RelFileLocator;
  if (!(forkFlags & BKPBLOCK_SAME_REL)) {
    rel = { spcOid: c.u32('relation'), dbOid: c.u32('relation'), relNumber: c.u32('relation') };
  } else {
    if (!previousRel) throw new WalFormatError('BKPBLOCK_SAME_REL set but no previous rel');
    rel = previousRel;
  }
  const blkno = c.u32('block number');
  const block: BlockRef = {
    blockId,
    forkFlags,
    fork: forkFlags & BKPBLOCK_FORK_MASK,
    rel,
    blkno,
    willInit: (forkFlags & BKPBLOCK_WILL_INIT) !== 0,
    hasData,
    data: new Uint8Array(0),
    image: image ? { ...image, bytes: new Uint8Array(0) } : undefined,
  };
  return { block, dataLen };
}

/** A block image header: length, hole, flags (compression per the WAL format of the version). */
function readImageHeader(c: RecordCursor, format: WalFormat): Omit<BlockImage, 'bytes'> {
  const bimgLen = c.u16('image length');
  const holeOffset = c.u16('hole offset');
  const bimgInfo = c.u8('image flags');
  const compression = compressionOf(bimgInfo, format);
  const hasHole = (bimgInfo & format.bimg.hasHole) !== 0;
  const holeLength = compression !== 'none' ? (hasHole ? c.u16('hole length') : 0) : BLCKSZ - bimgLen;
  if (hasHole && (holeOffset === 0 || holeLength === 0 || bimgLen === BLCKSZ)) {
    throw new WalFormatError(
      `BKPIMAGE_HAS_HOLE set, but hole offset ${holeOffset} length ${holeLength} image length ${bimgLen}`,
    );
  }
  if (!hasHole && (holeOffset !== 0 || holeLength !== 0)) {
    throw new WalFormatError(`BKPIMAGE_HAS_HOLE not set, but hole offset ${holeOffset} length ${holeLength}`);
  }
  if (compression !== 'none' && bimgLen === BLCKSZ) {
    throw new WalFormatError(`compressed image with length ${bimgLen}`);
  }
  return {
    bimgLen,
    holeOffset,
    holeLength,
    bimgInfo,
    apply: (bimgInfo & format.bimg.apply) !== 0,
    compression,
  };
}
