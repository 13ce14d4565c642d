/**
 * Heap records that clear visibility-map bits as a side effect (pure): redo changes a map page that
 * is not among the record's blocks, so the storage service clears the bits itself and the corpus
 * must know the map page changed. Where each record kind keeps its flags depends on the WAL's dialect.
 */
import { HEAP_OP, HEAP2_OP, NEON_OP, RM, XLOG_HEAP_OPMASK } from '../wal/constants';

/** What the WAL's dialect says about one record's layout. */
export interface WalDialectFacts {
  /** the name the record's custom rmgr registered ("neon" has heap records of its own) */
  customName?: string;
  /** heap records carry the fork's t_cid (v14/v15) */
  tcid?: boolean;
}

/**
 * Where a heap record keeps its flags byte (pure). The storage service's v14/v15 fork adds `t_cid`
 * to DELETE and LOCK (walrecord.rs: xmax or locking_xid, offnum, padding, t_cid, infobits_set,
 * flags), moving their flags from byte 7 to 13; INSERT, UPDATE and MULTI_INSERT keep their flags
 * where upstream has them. `tcid`: the WAL is in that dialect (read from the WAL: wal/dialect.ts).
 */
export function heapFlagsOffset(rmid: number, info: number, tcid: boolean): number | undefined {
  const op = info & XLOG_HEAP_OPMASK;
  if (rmid === RM.HEAP) {
    if (op === HEAP_OP.INSERT) return 2; // offnum u16, flags
    if (op === HEAP_OP.DELETE || op === HEAP_OP.LOCK) return tcid ? 13 : 7;
    if (op === HEAP_OP.UPDATE || op === HEAP_OP.HOT_UPDATE) return 7; // old_xmax, old_offnum, old_infobits, flags
  } else if (rmid === RM.HEAP2) {
    if (op === HEAP2_OP.MULTI_INSERT) return 0; // flags first
    if (op === HEAP2_OP.LOCK_UPDATED) return 7; // xmax, offnum, infobits, flags
  }
  return undefined;
}

/** The flag bits of heapam_xlog.h that clear visibility-map bits, by record kind. */
function vmClearBits(rmid: number, info: number): number {
  const op = info & XLOG_HEAP_OPMASK;
  if (rmid === RM.HEAP && (op === HEAP_OP.UPDATE || op === HEAP_OP.HOT_UPDATE)) return 0x03; // old and new page cleared
  return 0x01; // *_ALL_VISIBLE_CLEARED, LOCK's ALL_FROZEN_CLEARED
}

/**
 * The storage service's neon_rmgr records (custom rmgr "neon", v16+): heap operations with a command
 * id, whose redo clears visibility-map bits itself (no map page among the blocks). Where each keeps
 * its flags (walrecord.rs, rm_neon) and which bits clear the map (pure).
 */
export function neonFlags(info: number): { at: number; bits: number } | undefined {
  switch (info & XLOG_HEAP_OPMASK) {
    case NEON_OP.INSERT: // offnum, flags
      return { at: 2, bits: 0x01 };
    case NEON_OP.DELETE: // xmax, offnum, infobits_set, flags, t_cid
      return { at: 7, bits: 0x01 };
    case NEON_OP.UPDATE: // old_xmax, old_offnum, old_infobits_set, flags, t_cid, ...
    case NEON_OP.HOT_UPDATE:
      return { at: 7, bits: 0x03 };
    case NEON_OP.LOCK: // locking_xid, t_cid, offnum, infobits_set, flags
      return { at: 11, bits: 0x01 };
    case NEON_OP.MULTI_INSERT: // flags first
      return { at: 0, bits: 0x01 };
    default:
      return undefined;
  }
}

/**
 * True when a heap record clears visibility-map bits as a side effect (the *_ALL_VISIBLE_CLEARED
 * and ALL_FROZEN_CLEARED flags of heapam_xlog.h): redo changes a VM page that is not among the
 * record's blocks, so the storage service clears the bits itself.
 */
export function clearsVisibilityMap(
  rmid: number,
  info: number,
  main: Uint8Array,
  dialect: WalDialectFacts = {},
): boolean {
  const flags =
    dialect.customName === 'neon'
      ? neonFlags(info)
      : (() => {
          const at = heapFlagsOffset(rmid, info, dialect.tcid === true);
          return at === undefined ? undefined : { at, bits: vmClearBits(rmid, info) };
        })();
  return flags !== undefined && main.length > flags.at && (main[flags.at] & flags.bits) !== 0;
}
