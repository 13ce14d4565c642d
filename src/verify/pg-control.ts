/**
 * Parser of global/pg_control (ControlFileData, src/include/catalog/pg_control.h) for PostgreSQL
 * 14..18 on little-endian 64-bit machines (pure).
 *
 * Layout per version, offsets as gcc lays out the struct on x86-64/aarch64:
 *  - 14, 15, 16 (PG_CONTROL_VERSION 1300) and 17 (1700): identical offsets. v17 added
 *    `int wal_level` to CheckPoint after `bool fullPageWrites`, where v16 had padding, so the
 *    CheckPoint copy stays 88 bytes. data_checksum_version at 252, nonce at 256, crc at 288.
 *  - 18 (1800): `bool default_char_signedness` follows data_checksum_version (256), the 32-byte
 *    mock_authentication_nonce moves to 257 and the crc to 292.
 * The CRC-32C covers every byte before the crc field; a match proves the offsets are right.
 */
import { crc32c } from '../util/crc32c';

export interface ControlLayout {
  controlVersion: number;
  dataChecksumVersion: number;
  defaultCharSignedness?: number;
  crc: number;
}

const LAYOUT_1300: ControlLayout = { controlVersion: 1300, dataChecksumVersion: 252, crc: 288 };
const LAYOUT_1700: ControlLayout = { controlVersion: 1700, dataChecksumVersion: 252, crc: 288 };
const LAYOUT_1800: ControlLayout = {
  controlVersion: 1800,
  dataChecksumVersion: 252,
  defaultCharSignedness: 256,
  crc: 292,
};

export const CONTROL_LAYOUTS: Record<number, ControlLayout> = {
  14: LAYOUT_1300,
  15: LAYOUT_1300,
  16: LAYOUT_1300,
  17: LAYOUT_1700,
  18: LAYOUT_1800,
};

/** Fields that sit at the same offset in every supported version. */
const OFFSETS = {
  systemIdentifier: 0,
  controlVersion: 8,
  catalogVersion: 12,
  state: 16,
  time: 24,
  checkPoint: 32,
  blcksz: 216,
  xlogSegSize: 228,
};

const DB_STATES = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];

export interface ControlFacts {
  /** u64 as a decimal string (as pg_controldata prints it) */
  systemIdentifier: string;
  controlVersion: number;
  catalogVersion: number;
  state: string;
  /** seconds since the epoch of the last pg_control update */
  time: number;
  /** checkpoint location as "X/X" */
  checkPoint: string;
  blockSize: number;
  walSegmentSize: number;
  dataChecksumVersion: number;
  defaultCharSigned?: boolean;
  crcStored: number;
  crcComputed: number;
  crcOk: boolean;
}

export class ControlFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlFileError';
  }
}

function lsn(value: bigint): string {
  return `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;
}

/** Parses pg_control written by PostgreSQL `major`; throws ControlFileError on a wrong version or size. */
export function parsePgControl(buf: Buffer, major: number): ControlFacts {
  const layout = CONTROL_LAYOUTS[major];
  if (!layout) throw new ControlFileError(`pg_control of PostgreSQL ${major} is not supported (14..18 are)`);
  if (buf.length < layout.crc + 4)
    throw new ControlFileError(
      `pg_control is ${buf.length} bytes, too short for PostgreSQL ${major} (needs ${layout.crc + 4})`,
    );
  const controlVersion = buf.readUInt32LE(OFFSETS.controlVersion);
  if (controlVersion !== layout.controlVersion) {
    const swapped = buf.readUInt32BE(OFFSETS.controlVersion);
    const hint = swapped === layout.controlVersion ? ' (the file is big-endian)' : '';
    throw new ControlFileError(
      `pg_control_version is ${controlVersion}, PostgreSQL ${major} writes ${layout.controlVersion}${hint}`,
    );
  }
  const crcStored = buf.readUInt32LE(layout.crc);
  const crcComputed = crc32c(buf.subarray(0, layout.crc));
  const stateIndex = buf.readUInt32LE(OFFSETS.state);
  return {
    systemIdentifier: buf.readBigUInt64LE(OFFSETS.systemIdentifier).toString(),
    controlVersion,
    catalogVersion: buf.readUInt32LE(OFFSETS.catalogVersion),
    state: DB_STATES[stateIndex] ?? `unknown state ${stateIndex}`,
    time: Number(buf.readBigInt64LE(OFFSETS.time)),
    checkPoint: lsn(buf.readBigUInt64LE(OFFSETS.checkPoint)),
    blockSize: buf.readUInt32LE(OFFSETS.blcksz),
    walSegmentSize: buf.readUInt32LE(OFFSETS.xlogSegSize),
    dataChecksumVersion: buf.readUInt32LE(layout.dataChecksumVersion),
    ...(layout.defaultCharSignedness !== undefined
      ? { defaultCharSigned: buf[layout.defaultCharSignedness] !== 0 }
      : {}),
    crcStored,
    crcComputed,
    crcOk: crcStored === crcComputed,
  };
}
