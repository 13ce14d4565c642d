/**
 * The standard page layout (src/include/storage/bufpage.h) and the generic masks of
 * src/backend/access/common/bufmask.c. MASK_MARKER is 0. All functions change the page in place.
 */
import { BLCKSZ } from '../wal/constants';

export const SIZE_OF_PAGE_HEADER = 24;
export const MASK_MARKER = 0;

export const PD = { HAS_FREE_LINES: 0x0001, PAGE_FULL: 0x0002, ALL_VISIBLE: 0x0004 } as const;
export const LP = { UNUSED: 0, NORMAL: 1, REDIRECT: 2, DEAD: 3 } as const;

/** Offsets in PageHeaderData. */
export const PAGE_HEADER = {
  lsn: 0,
  checksum: 8,
  flags: 10,
  lower: 12,
  upper: 14,
  special: 16,
  pagesizeVersion: 18,
  pruneXid: 20,
} as const;

export class MaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MaskError';
  }
}

export function view(page: Uint8Array): DataView {
  return new DataView(page.buffer, page.byteOffset, page.byteLength);
}

export function u16(page: Uint8Array, off: number): number {
  return view(page).getUint16(off, true);
}
export function setU16(page: Uint8Array, off: number, v: number): void {
  view(page).setUint16(off, v & 0xffff, true);
}
export function u32(page: Uint8Array, off: number): number {
  return view(page).getUint32(off, true);
}
export function setU32(page: Uint8Array, off: number, v: number): void {
  view(page).setUint32(off, v >>> 0, true);
}

/** pd_lsn is stored as two uint32 halves: xlogid (high) then xrecoff (low). */
export function pageLsn(page: Uint8Array): bigint {
  return (BigInt(u32(page, 0)) << 32n) | BigInt(u32(page, 4));
}
export function setPageLsn(page: Uint8Array, lsn: bigint): void {
  setU32(page, 0, Number(lsn >> 32n));
  setU32(page, 4, Number(lsn & 0xffffffffn));
}

export const pdLower = (p: Uint8Array) => u16(p, PAGE_HEADER.lower);
export const pdUpper = (p: Uint8Array) => u16(p, PAGE_HEADER.upper);
export const pdSpecial = (p: Uint8Array) => u16(p, PAGE_HEADER.special);

/** PageIsNew: pd_upper == 0 (an all-zero, never initialised page). */
export function pageIsNew(page: Uint8Array): boolean {
  return pdUpper(page) === 0;
}

/** PageGetMaxOffsetNumber. */
export function maxOffsetNumber(page: Uint8Array): number {
  const lower = pdLower(page);
  return lower <= SIZE_OF_PAGE_HEADER ? 0 : Math.floor((lower - SIZE_OF_PAGE_HEADER) / 4);
}

export interface ItemId {
  off: number;
  flags: number;
  len: number;
}

/** ItemIdData: lp_off:15, lp_flags:2, lp_len:15 in one little-endian uint32. */
export function itemId(page: Uint8Array, offnum: number): ItemId {
  const w = u32(page, SIZE_OF_PAGE_HEADER + (offnum - 1) * 4);
  return { off: w & 0x7fff, flags: (w >>> 15) & 3, len: (w >>> 17) & 0x7fff };
}

export function setItemIdFlags(page: Uint8Array, offnum: number, flags: number): void {
  const at = SIZE_OF_PAGE_HEADER + (offnum - 1) * 4;
  const w = u32(page, at);
  setU32(page, at, (w & ~(3 << 15)) | ((flags & 3) << 15));
}

export function maskPageLsnAndChecksum(page: Uint8Array): void {
  setPageLsn(page, BigInt(MASK_MARKER));
  setU16(page, PAGE_HEADER.checksum, MASK_MARKER);
}

export function maskPageHintBits(page: Uint8Array): void {
  setU32(page, PAGE_HEADER.pruneXid, MASK_MARKER);
  setU16(
    page,
    PAGE_HEADER.flags,
    u16(page, PAGE_HEADER.flags) & ~(PD.PAGE_FULL | PD.HAS_FREE_LINES | PD.ALL_VISIBLE),
  );
}

/** The reason mask_unused_space would raise an ERROR for this page, or undefined. */
export function unusedSpaceProblem(page: Uint8Array): string | undefined {
  const lower = pdLower(page);
  const upper = pdUpper(page);
  const special = pdSpecial(page);
  if (lower > upper || special < upper || lower < SIZE_OF_PAGE_HEADER || special > BLCKSZ) {
    return `invalid page pd_lower ${lower} pd_upper ${upper} pd_special ${special}`;
  }
  return undefined;
}

export function maskUnusedSpace(page: Uint8Array): void {
  const problem = unusedSpaceProblem(page);
  if (problem) throw new MaskError(problem);
  page.fill(MASK_MARKER, pdLower(page), pdUpper(page));
}

export function maskLpFlags(page: Uint8Array): void {
  const max = maxOffsetNumber(page);
  for (let off = 1; off <= max; off++) {
    if (itemId(page, off).flags !== LP.UNUSED) setItemIdFlags(page, off, LP.UNUSED);
  }
}

export function maskPageContent(page: Uint8Array): void {
  page.fill(MASK_MARKER, SIZE_OF_PAGE_HEADER, BLCKSZ);
  setU16(page, PAGE_HEADER.lower, MASK_MARKER);
  setU16(page, PAGE_HEADER.upper, MASK_MARKER);
}
