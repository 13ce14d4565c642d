/** WAL page headers (XLogPageHeaderData / XLogLongPageHeaderData in xlog_internal.h). */
import {
  SIZE_OF_LONG_PHD,
  SIZE_OF_SHORT_PHD,
  WalFormat,
  walFormatByMagic,
  XLP_FIRST_IS_CONTRECORD,
  XLP_LONG_HEADER,
} from './constants';
import { WalFormatError } from './record';

export interface PageHeader {
  magic: number;
  info: number;
  tli: number;
  pageAddr: bigint;
  remLen: number;
  isLong: boolean;
  /** Only in long headers (first page of a segment). */
  sysid?: bigint;
  segSize?: number;
  xlogBlcksz?: number;
  size: number;
  isContRecord: boolean;
}

export function parsePageHeader(page: Uint8Array): PageHeader {
  if (page.length < SIZE_OF_SHORT_PHD) throw new WalFormatError('WAL page shorter than its header');
  const v = new DataView(page.buffer, page.byteOffset, page.byteLength);
  const info = v.getUint16(2, true);
  const isLong = (info & XLP_LONG_HEADER) !== 0;
  const h: PageHeader = {
    magic: v.getUint16(0, true),
    info,
    tli: v.getUint32(4, true),
    pageAddr: v.getBigUint64(8, true),
    remLen: v.getUint32(16, true),
    isLong,
    size: isLong ? SIZE_OF_LONG_PHD : SIZE_OF_SHORT_PHD,
    isContRecord: (info & XLP_FIRST_IS_CONTRECORD) !== 0,
  };
  if (isLong) {
    h.sysid = v.getBigUint64(24, true);
    h.segSize = v.getUint32(32, true);
    h.xlogBlcksz = v.getUint32(36, true);
  }
  return h;
}

/** Reads the long header at the start of a segment file: segment size, page size and WAL format. */
export function segmentLayout(firstPage: Uint8Array): {
  segSize: number;
  xlogBlcksz: number;
  format?: WalFormat;
  tli: number;
} {
  const h = parsePageHeader(firstPage);
  if (!h.isLong || !h.segSize || !h.xlogBlcksz) {
    throw new WalFormatError(
      'the first page of a WAL segment has no long header (is this a WAL segment file?)',
    );
  }
  return { segSize: h.segSize, xlogBlcksz: h.xlogBlcksz, format: walFormatByMagic(h.magic), tli: h.tli };
}

/** Validity checks of XLogReaderValidatePageHeader that do not need reader state; returns a reason or undefined. */
export function pageHeaderProblem(
  h: PageHeader,
  expectedAddr: bigint,
  format: WalFormat,
  atSegmentStart: boolean,
): string | undefined {
  if (h.magic !== format.pageMagic)
    return `invalid magic number ${h.magic.toString(16).toUpperCase().padStart(4, '0')}`;
  if (h.info & ~0x000f) return `invalid info bits ${h.info.toString(16).toUpperCase().padStart(4, '0')}`;
  if (atSegmentStart && !h.isLong) return 'segment start without a long header';
  if (h.pageAddr !== expectedAddr) return `unexpected pageaddr ${h.pageAddr.toString(16)}`;
  return undefined;
}
