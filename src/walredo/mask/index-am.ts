/**
 * Masks of the index access methods, sequences and generic WAL: btree_mask (nbtxlog.c),
 * hash_mask (hash_xlog.c), gin_mask (ginxlog.c), gist_mask (gistxlog.c), spg_mask (spgxlog.c),
 * brin_mask (brin_xlog.c), seq_mask (sequence.c), generic_mask (generic_xlog.c).
 * Each access method keeps its "opaque" data in the special space at pd_special.
 */
import {
  maskLpFlags,
  maskPageContent,
  maskPageHintBits,
  maskPageLsnAndChecksum,
  maskUnusedSpace,
  pdLower,
  pdSpecial,
  SIZE_OF_PAGE_HEADER,
  setU16,
  setU32,
  u16,
} from './page';

export const BTP_LEAF = 1 << 0;
export const BTP_SPLIT_END = 1 << 5;
export const BTP_HAS_GARBAGE = 1 << 6;
/** BTPageOpaqueData: btpo_prev, btpo_next, btpo_level (u32 each), btpo_flags u16, btpo_cycleid u16. */
const BT_FLAGS = 12;
const BT_CYCLEID = 14;

export function btreeMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskPageHintBits(page);
  maskUnusedSpace(page);
  const sp = pdSpecial(page);
  if (u16(page, sp + BT_FLAGS) & BTP_LEAF) maskLpFlags(page);
  setU16(page, sp + BT_FLAGS, u16(page, sp + BT_FLAGS) & ~(BTP_HAS_GARBAGE | BTP_SPLIT_END));
  setU16(page, sp + BT_CYCLEID, 0);
}

export const LH = {
  UNUSED_PAGE: 0,
  OVERFLOW_PAGE: 1 << 0,
  BUCKET_PAGE: 1 << 1,
  BITMAP_PAGE: 1 << 2,
  META_PAGE: 1 << 3,
  PAGE_HAS_DEAD_TUPLES: 1 << 7,
} as const;
const LH_PAGE_TYPE = LH.OVERFLOW_PAGE | LH.BUCKET_PAGE | LH.BITMAP_PAGE | LH.META_PAGE;
/** HashPageOpaqueData: prevblkno, nextblkno, bucket (u32 each), hasho_flag u16, hasho_page_id u16. */
const HASH_FLAG = 12;

export function hashMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskPageHintBits(page);
  maskUnusedSpace(page);
  const sp = pdSpecial(page);
  const type = u16(page, sp + HASH_FLAG) & LH_PAGE_TYPE;
  if (type === LH.UNUSED_PAGE) maskPageContent(page);
  else if (type === LH.BUCKET_PAGE || type === LH.OVERFLOW_PAGE) maskLpFlags(page);
  // read pd_special again: maskPageContent does not touch it, but keep the order of the C code
  setU16(page, sp + HASH_FLAG, u16(page, sp + HASH_FLAG) & ~LH.PAGE_HAS_DEAD_TUPLES);
}

export const GIN_DELETED = 1 << 2;
/** GinPageOpaqueData: rightlink u32, maxoff u16, flags u16. */
const GIN_FLAGS = 6;

export function ginMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  const sp = pdSpecial(page);
  maskPageHintBits(page);
  if (u16(page, sp + GIN_FLAGS) & GIN_DELETED) maskPageContent(page);
  else if (pdLower(page) > SIZE_OF_PAGE_HEADER) maskUnusedSpace(page);
}

export const F_LEAF = 1 << 0;
export const F_FOLLOW_RIGHT = 1 << 3;
export const F_HAS_GARBAGE = 1 << 4;
/** GISTPageOpaqueData: nsn (8 bytes), rightlink u32, flags u16, gist_page_id u16. */
const GIST_NSN = 0;
const GIST_FLAGS = 12;

export function gistMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskPageHintBits(page);
  maskUnusedSpace(page);
  const sp = pdSpecial(page);
  setU32(page, sp + GIST_NSN, 0);
  setU32(page, sp + GIST_NSN + 4, 0);
  setU16(page, sp + GIST_FLAGS, u16(page, sp + GIST_FLAGS) | F_FOLLOW_RIGHT);
  if (u16(page, sp + GIST_FLAGS) & F_LEAF) maskLpFlags(page);
  setU16(page, sp + GIST_FLAGS, u16(page, sp + GIST_FLAGS) & ~F_HAS_GARBAGE);
}

export function spgMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskPageHintBits(page);
  if (pdLower(page) >= SIZE_OF_PAGE_HEADER) maskUnusedSpace(page);
}

export const BRIN_PAGETYPE = { META: 0xf091, REVMAP: 0xf092, REGULAR: 0xf093 } as const;
export const BRIN_EVACUATE_PAGE = 1 << 0;
/** BrinSpecialSpace: uint16 vector[4]; flags in vector[2], page type in vector[3]. */
const BRIN_FLAGS = 4;
const BRIN_TYPE = 6;

export function brinMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskPageHintBits(page);
  const sp = pdSpecial(page);
  const type = u16(page, sp + BRIN_TYPE);
  if (
    type === BRIN_PAGETYPE.REGULAR ||
    (type === BRIN_PAGETYPE.META && pdLower(page) > SIZE_OF_PAGE_HEADER)
  ) {
    maskUnusedSpace(page);
  }
  setU16(page, sp + BRIN_FLAGS, u16(page, sp + BRIN_FLAGS) & ~BRIN_EVACUATE_PAGE);
}

export function seqMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskUnusedSpace(page);
}

export function genericMask(page: Uint8Array): void {
  maskPageLsnAndChecksum(page);
  maskUnusedSpace(page);
}
