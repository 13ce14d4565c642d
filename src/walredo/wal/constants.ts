import { UserError } from '../../util/errors';

/** Layout facts of the WAL format that differ by PostgreSQL major version. */
export interface WalFormat {
  major: number;
  /** XLOG_PAGE_MAGIC from src/include/access/xlog_internal.h. */
  pageMagic: number;
  /** bimg_info bits (src/include/access/xlogrecord.h). */
  bimg: { hasHole: number; apply: number; pglz: number; lz4: number; zstd: number };
}

const V14_BIMG = { hasHole: 0x01, apply: 0x04, pglz: 0x02 /* BKPIMAGE_IS_COMPRESSED */, lz4: 0, zstd: 0 };
const V15_BIMG = { hasHole: 0x01, apply: 0x02, pglz: 0x04, lz4: 0x08, zstd: 0x10 };

export const WAL_FORMATS: Readonly<Record<number, WalFormat>> = {
  14: { major: 14, pageMagic: 0xd10d, bimg: V14_BIMG },
  15: { major: 15, pageMagic: 0xd110, bimg: V15_BIMG },
  16: { major: 16, pageMagic: 0xd113, bimg: V15_BIMG },
  17: { major: 17, pageMagic: 0xd116, bimg: V15_BIMG },
  18: { major: 18, pageMagic: 0xd118, bimg: V15_BIMG },
};

export function walFormat(major: number): WalFormat {
  const f = WAL_FORMATS[major];
  if (!f) {
    throw new UserError(
      `PostgreSQL ${major} has no known WAL format`,
      `use one of the majors ${Object.keys(WAL_FORMATS).join(', ')}`,
    );
  }
  return f;
}

export function walFormatByMagic(magic: number): WalFormat | undefined {
  return Object.values(WAL_FORMATS).find((f) => f.pageMagic === magic);
}

export const BLCKSZ = 8192;
/** WAL page size (XLOG_BLCKSZ): the only one pg-bundle reads */
export const XLOG_BLCKSZ = 8192;
export const MAXALIGN = 8;

/** Page header sizes (MAXALIGNed) and flags. */
export const SIZE_OF_SHORT_PHD = 24;
export const SIZE_OF_LONG_PHD = 40;
export const XLP_FIRST_IS_CONTRECORD = 0x0001;
export const XLP_LONG_HEADER = 0x0002;

/** XLogRecord header. */
export const SIZE_OF_XLOG_RECORD = 24;

/** Block reference header (fork_flags). */
export const BKPBLOCK_FORK_MASK = 0x0f;
export const BKPBLOCK_HAS_IMAGE = 0x10;
export const BKPBLOCK_HAS_DATA = 0x20;
export const BKPBLOCK_WILL_INIT = 0x40;
export const BKPBLOCK_SAME_REL = 0x80;

export const XLR_MAX_BLOCK_ID = 32;
export const XLR_BLOCK_ID_DATA_SHORT = 255;
export const XLR_BLOCK_ID_DATA_LONG = 254;
export const XLR_BLOCK_ID_ORIGIN = 253;
export const XLR_BLOCK_ID_TOPLEVEL_XID = 252;

/** Resource manager ids 0-21 (src/include/access/rmgrlist.h, unchanged from v14 to v18). */
export const RMGR_NAMES: readonly string[] = [
  'XLOG',
  'Transaction',
  'Storage',
  'CLOG',
  'Database',
  'Tablespace',
  'MultiXact',
  'RelMap',
  'Standby',
  'Heap2',
  'Heap',
  'Btree',
  'Hash',
  'Gin',
  'Gist',
  'Sequence',
  'SPGist',
  'BRIN',
  'CommitTs',
  'ReplicationOrigin',
  'Generic',
  'LogicalMessage',
];

export const RM = {
  XLOG: 0,
  XACT: 1,
  SMGR: 2,
  CLOG: 3,
  DBASE: 4,
  TBLSPC: 5,
  MULTIXACT: 6,
  RELMAP: 7,
  STANDBY: 8,
  HEAP2: 9,
  HEAP: 10,
  BTREE: 11,
  HASH: 12,
  GIN: 13,
  GIST: 14,
  SEQ: 15,
  SPGIST: 16,
  BRIN: 17,
  COMMIT_TS: 18,
  REPLORIGIN: 19,
  GENERIC: 20,
  LOGICALMSG: 21,
} as const;

/** A heap or heap2 record's operation is `info & XLOG_HEAP_OPMASK` (heapam_xlog.h). */
export const XLOG_HEAP_OPMASK = 0x70;
export const HEAP_OP = { INSERT: 0x00, DELETE: 0x10, UPDATE: 0x20, HOT_UPDATE: 0x40, LOCK: 0x60 } as const;
export const HEAP2_OP = { VISIBLE: 0x40, MULTI_INSERT: 0x50, LOCK_UPDATED: 0x60 } as const;
/** hash_xlog.h: the records that register a bucket page for its cleanup lock only */
export const HASH_OP = { MOVE_PAGE_CONTENTS: 0x70, SQUEEZE_PAGE: 0x80, DELETE: 0x90 } as const;
/** storage_xlog.h */
export const XLOG_SMGR_TRUNCATE = 0x20;
/** The storage service's custom rmgr `neon` (id 134, v16+; access/neon_xlog.h): its record kinds. */
export const NEON_OP = {
  INSERT: 0x00,
  DELETE: 0x10,
  UPDATE: 0x20,
  HOT_UPDATE: 0x30,
  LOCK: 0x40,
  MULTI_INSERT: 0x50,
} as const;
/** relmapper.h */
export const XLOG_RELMAP_UPDATE = 0x00;

export function rmgrName(rmid: number): string {
  return RMGR_NAMES[rmid] ?? (rmid >= 128 ? `custom${rmid}` : `rmgr${rmid}`);
}

export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase().padStart(8, '0')}`;
}

export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]+)\/([0-9A-Fa-f]+)$/.exec(text.trim());
  if (!m) throw new UserError(`"${text}" is not an LSN`, 'write it as HI/LO in hexadecimal, e.g. 0/01499A40');
  return (BigInt('0x' + m[1]) << 32n) | BigInt('0x' + m[2]);
}
