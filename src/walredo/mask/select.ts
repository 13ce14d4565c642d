/** Which mask a resource manager's page gets, and applying it to a copy of a page. */
import { RM } from '../wal/constants';
import { heapMask } from './heap';
import { brinMask, btreeMask, genericMask, ginMask, gistMask, hashMask, seqMask, spgMask } from './index-am';
import { MaskError, maskPageLsnAndChecksum, pageIsNew } from './page';

export type MaskKind =
  'heap' | 'btree' | 'hash' | 'gin' | 'gist' | 'spgist' | 'brin' | 'sequence' | 'generic' | 'lsn-only';

const BY_RMGR: Readonly<Record<number, MaskKind>> = {
  [RM.HEAP2]: 'heap',
  [RM.HEAP]: 'heap',
  [RM.BTREE]: 'btree',
  [RM.HASH]: 'hash',
  [RM.GIN]: 'gin',
  [RM.GIST]: 'gist',
  [RM.SEQ]: 'sequence',
  [RM.SPGIST]: 'spgist',
  [RM.BRIN]: 'brin',
  [RM.GENERIC]: 'generic',
};

/** Custom resource managers have ids 128..255 (RM_MIN_CUSTOM_ID .. RM_MAX_CUSTOM_ID). */
export const RM_MIN_CUSTOM_ID = 128;
export const RM_MAX_CUSTOM_ID = 255;

const FORK_MAIN = 0;
const FORK_INIT = 3;

/**
 * The mask for a block of a record of resource manager `rmid`; undefined when the rmgr has no
 * rm_mask (PostgreSQL does not check it). Visibility-map and FSM pages get an LSN/checksum-only
 * mask: the rmgr's own mask would treat them as heap pages and blank them.
 */
export function maskKindFor(rmid: number, fork: number, customName?: string): MaskKind | undefined {
  const kind = BY_RMGR[rmid] ?? customMaskKind(rmid, customName);
  if (!kind) return undefined;
  return fork === FORK_MAIN || fork === FORK_INIT ? kind : 'lsn-only';
}

/**
 * Custom resource managers whose rm_mask is known, by the name they register: the storage service's
 * neon_rmgr ("neon", id 134) writes heap records with a command id and masks its pages as heap_mask
 * does (hint bits, xact bits, unused space).
 */
const BY_CUSTOM_NAME: Readonly<Record<string, MaskKind>> = { neon: 'heap' };

/**
 * Any other custom rmgr's rm_mask is not known here. PostgreSQL writes consistency images only for
 * rmgrs that have one, and every page mask starts with what bufmask.h gives (LSN, checksum, unused
 * space): that is the mask assumed. One that masks more (e.g. heap hint bits) shows as failures.
 */
function customMaskKind(rmid: number, name?: string): MaskKind | undefined {
  if (rmid < RM_MIN_CUSTOM_ID || rmid > RM_MAX_CUSTOM_ID) return undefined;
  return (name !== undefined ? BY_CUSTOM_NAME[name] : undefined) ?? 'generic';
}

const FUNCS: Readonly<Record<MaskKind, (page: Uint8Array, blkno: number) => void>> = {
  heap: heapMask,
  btree: btreeMask,
  hash: hashMask,
  gin: ginMask,
  gist: gistMask,
  spgist: spgMask,
  brin: brinMask,
  sequence: seqMask,
  generic: genericMask,
  'lsn-only': maskPageLsnAndChecksum,
};

/**
 * Returns a masked copy. A new (all-zero header) page gets only the LSN/checksum mask, since the
 * unused-space mask would reject it. Malformed page layouts raise MaskError.
 */
export function maskedCopy(kind: MaskKind, page: Uint8Array, blkno: number): Uint8Array {
  const copy = Uint8Array.from(page);
  const fn = pageIsNew(copy) ? maskPageLsnAndChecksum : FUNCS[kind];
  try {
    fn(copy, blkno);
  } catch (e) {
    if (e instanceof RangeError)
      throw new MaskError(`page layout out of range for the ${kind} mask: ${e.message}`);
    throw e;
  }
  return copy;
}
