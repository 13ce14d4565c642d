/**
 * A WAL sample the storage team gives `verify --wal`: which major it is, which dialect it is in,
 * and whether a bundle's walredo may replay it (refused before any record reaches the walredo).
 */
import { UserError } from '../util/errors';
import { addEvidence, Dialect, dialectOf, emptyEvidence } from './wal/dialect';
import { formatLsn } from './wal/constants';
import { loadWalDirectory } from './wal/files';
import { WalReader, WalSegments } from './wal/reader';
import { decodeRecord, WalFormatError } from './wal/record';

export interface WalSampleFacts {
  major: number;
  records: number;
  dialect: Dialect;
  /** why reading stopped (the end of the sample, or a torn record) */
  stop: string;
}

/** The dialect of loaded WAL, from one pass over its records, with their count and where reading stopped. */
export function walDialect(wal: WalSegments): { dialect: Dialect; records: number; stop: string } {
  const reader = new WalReader(wal);
  const ev = emptyEvidence();
  let records = 0;
  for (const rec of reader.records(reader.firstValidPage())) {
    let main: Uint8Array;
    let block0: Uint8Array | undefined;
    try {
      const decoded = decodeRecord(rec.raw, wal.format);
      main = decoded.mainData;
      block0 = decoded.blocks[0]?.data;
    } catch (e) {
      if (!(e instanceof WalFormatError)) throw e;
      return { dialect: dialectOf(ev), records, stop: `${e.message} in the record at ${formatLsn(rec.lsn)}` };
    }
    records++;
    addEvidence(ev, { lsn: rec.lsn, rmid: rec.header.rmid, info: rec.header.info, main, block0 });
  }
  return { dialect: dialectOf(ev), records, stop: reader.stopReason };
}

/** Reads the whole sample once: its major (page magic), its records and its dialect. */
export function readWalSample(dir: string): WalSampleFacts {
  let wal: WalSegments;
  try {
    wal = loadWalDirectory(dir);
  } catch (e) {
    if (e instanceof WalFormatError || e instanceof RangeError)
      throw new UserError(
        `${dir} does not hold readable WAL segment files: ${e.message}`,
        'give the segment files of a pg_wal directory (16 MiB each by default), as PostgreSQL wrote them',
      );
    throw e;
  }
  const major = wal.format.major;
  const { dialect, records, stop } = walDialect(wal);
  if (records === 0)
    throw new UserError(
      `the WAL sample in ${dir} holds no whole record (${stop})`,
      'give segment files that hold at least one record, e.g. a copy of a pg_wal directory',
    );
  return { major, records, dialect, stop };
}

/**
 * Refuses a bundle whose walredo would replay the sample wrongly (pure): a builtin walredo (upstream
 * redo) for WAL in the fork's dialect or with custom resource managers it does not load.
 */
export function refuseSample(
  facts: WalSampleFacts,
  dir: string,
  walredo: { mode: string; preload?: string[] } | undefined,
): { problem: string; fix: string } | undefined {
  const v = `v${facts.major}`;
  if (!walredo || walredo.mode === 'none')
    return {
      problem: `${v} of the bundle has no walredo to replay the WAL sample ${dir}`,
      fix: `build ${v} with a walredo (--walredo builtin or fork)`,
    };
  if (walredo.mode !== 'builtin') return undefined;
  const { kind, summary, customRmgrs } = facts.dialect;
  const fix = `build ${v} from the fork's tree with --walredo fork and its walredo modules (docs/fork-mode-neon.md)`;
  if (kind === 'fork-tcid' || kind === 'mixed')
    return {
      problem: `the WAL sample ${dir} is in ${summary}; ${v}'s walredo is pg-bundle's builtin one, whose upstream heap redo would write wrong pages from them`,
      fix,
    };
  if (customRmgrs.length > 0 && (walredo.preload ?? []).length === 0)
    return {
      problem: `the WAL sample ${dir} has records of custom resource managers ${customRmgrs.join(', ')}, and ${v}'s builtin walredo loads no resource-manager module`,
      fix,
    };
  return undefined;
}
