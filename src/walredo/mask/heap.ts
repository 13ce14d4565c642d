/** heap_mask (src/backend/access/heap/heapam.c), used for the Heap and Heap2 resource managers. */
import {
  itemId,
  LP,
  MASK_MARKER,
  maskPageHintBits,
  maskPageLsnAndChecksum,
  maskUnusedSpace,
  maxOffsetNumber,
  setU16,
  setU32,
  u16,
} from './page';

/** Offsets in HeapTupleHeaderData. */
export const HTUP = {
  xmin: 0,
  xmax: 4,
  cid: 8,
  ctidBlockHi: 12,
  ctidBlockLo: 14,
  ctidPos: 16,
  infomask2: 18,
  infomask: 20,
  hoff: 22,
} as const;
export const HEAP_XMIN_COMMITTED = 0x0100;
export const HEAP_XMIN_INVALID = 0x0200;
export const HEAP_XMIN_FROZEN = HEAP_XMIN_COMMITTED | HEAP_XMIN_INVALID;
export const HEAP_XMAX_COMMITTED = 0x0400;
export const HEAP_XMAX_INVALID = 0x0800;
export const HEAP_XACT_MASK = 0xfff0;
export const SPEC_TOKEN_OFFSET_NUMBER = 0xfffe;

export function heapMask(page: Uint8Array, blkno: number): void {
  maskPageLsnAndChecksum(page);
  maskPageHintBits(page);
  maskUnusedSpace(page);
  const max = maxOffsetNumber(page);
  for (let off = 1; off <= max; off++) {
    const iid = itemId(page, off);
    const item = iid.off;
    if (iid.flags === LP.NORMAL) {
      let infomask = u16(page, item + HTUP.infomask);
      if ((infomask & HEAP_XMIN_FROZEN) !== HEAP_XMIN_FROZEN) infomask &= ~HEAP_XACT_MASK;
      else infomask &= ~(HEAP_XMAX_INVALID | HEAP_XMAX_COMMITTED);
      setU16(page, item + HTUP.infomask, infomask);
      setU32(page, item + HTUP.cid, MASK_MARKER);
      if (u16(page, item + HTUP.ctidPos) === SPEC_TOKEN_OFFSET_NUMBER) {
        setU16(page, item + HTUP.ctidBlockHi, blkno >>> 16);
        setU16(page, item + HTUP.ctidBlockLo, blkno & 0xffff);
        setU16(page, item + HTUP.ctidPos, off);
      }
    }
    if (iid.len !== 0) {
      const padlen = ((iid.len + 7) & ~7) - iid.len;
      if (padlen > 0) page.fill(MASK_MARKER, item + iid.len, item + iid.len + padlen);
    }
  }
}
