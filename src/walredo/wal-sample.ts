/**
 * A WAL sample the storage team gives `verify --wal`: which major it is, which dialect it is in,
 * and whether a bundle's walredo may replay it (refused before any record reaches the walredo).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors';
import { shown } from '../util/log-text';
import { generateWal } from './corpus/generate-wal';
import { addEvidence, Dialect, dialectOf, emptyEvidence } from './wal/dialect';
import { formatLsn } from './wal/constants';
import { loadWalDirectory } from './wal/files';
import { WalReader, WalSegments } from './wal/reader';
import { decodeRecord, WalFormatError } from './wal/record';

export interface WalSampleFacts {
  major: number;
  /** the sample's segments, read once (the replay reads them from here) */
  wal: WalSegments;
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
  return { major, wal, records, dialect, stop };
}

/** What the bundle's own server writes, measured from its WAL: the heap dialect and the custom resource managers. */
export interface ServerWal {
  dialect: Dialect;
  /** custom resource managers the server registers (v16+ can say), by id */
  registered: Record<number, string>;
  /** those ids and the custom ids its WAL holds */
  customIds: number[];
}

/** Row-count multiplier of the workload that shows a server's dialect (a few hundred heap records). */
const SERVER_WAL_SCALE = 0.01;

/**
 * Runs a small workload on the bundle's server (the modules walredo preloads preloaded) and reads
 * the dialect of the WAL it wrote (the process edge of the sample check).
 */
export async function measureServerWal(binDir: string, major: number, preload: string[]): Promise<ServerWal> {
  const temp = mkdtempSync(join(tmpdir(), 'pgb-server-wal-'));
  try {
    const generated = await generateWal({
      binDir,
      outDir: join(temp, 'pg_wal'),
      scale: SERVER_WAL_SCALE,
      preload,
    });
    const { dialect } = walDialect(loadWalDirectory(generated.walDir, major));
    const ids = new Set([...Object.keys(generated.customRmgrs).map(Number), ...dialect.customRmgrs]);
    return { dialect, registered: generated.customRmgrs, customIds: [...ids].sort((a, b) => a - b) };
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Whether the sample can only be judged against what the bundle's server writes (then measureServerWal first). */
export function needsServerWal(
  facts: WalSampleFacts,
  walredo: { mode: string; preload?: string[] },
): boolean {
  return (
    walredo.mode === 'fork' || (facts.dialect.customRmgrs.length > 0 && (walredo.preload ?? []).length > 0)
  );
}

/**
 * Refuses a bundle whose walredo would replay the sample wrongly (pure): heap records in a layout
 * its redo does not read (a builtin walredo reads upstream's; a fork's reads what its own server
 * writes, `server`, measured), both layouts in one sample, or custom resource managers its server
 * does not register (without `server`: a builtin walredo that preloads no module at all).
 */
export function refuseSample(
  facts: WalSampleFacts,
  dir: string,
  walredo: { mode: string; preload?: string[] } | undefined,
  server?: ServerWal,
): { problem: string; fix: string } | undefined {
  // the path as the user gave it reaches logs and job summaries: escaped, on one line
  dir = shown(dir);
  const v = `v${facts.major}`;
  if (!walredo || walredo.mode === 'none')
    return {
      problem: `${v} of the bundle has no walredo to replay the WAL sample ${dir}`,
      fix: `build ${v} with a walredo (--walredo builtin or fork)`,
    };
  const { kind, summary, customRmgrs } = facts.dialect;
  const forkFix = `build ${v} from the tree of the fork that wrote the sample, with --walredo fork and its walredo modules (docs/fork-mode-neon.md)`;
  const redoReadsTcid = walredo.mode === 'fork' && server?.dialect.kind === 'fork-tcid';
  // a fork's heap layout is judged only when its server's WAL showed one (not unknown, not mixed)
  const judged =
    walredo.mode === 'builtin' || server?.dialect.kind === 'upstream' || server?.dialect.kind === 'fork-tcid';
  if (kind === 'mixed')
    return {
      problem: `the WAL sample ${dir} has ${summary}; no walredo reads both, so ${v}'s would write wrong pages from one of them`,
      fix: 'give WAL written by one server (one timeline of one PostgreSQL build)',
    };
  if (judged && kind === 'fork-tcid' && !redoReadsTcid)
    return {
      problem:
        walredo.mode === 'builtin'
          ? `the WAL sample ${dir} is in ${summary}; ${v}'s walredo is pg-bundle's builtin one, whose upstream heap redo would write wrong pages from them`
          : `the WAL sample ${dir} is in ${summary}; ${v}'s fork server writes ${server!.dialect.summary}, so its walredo's heap redo would write wrong pages from them`,
      fix: forkFix,
    };
  if (kind === 'upstream' && redoReadsTcid)
    return {
      problem: `the WAL sample ${dir} has ${summary}; ${v}'s server writes heap records with the fork's t_cid, and its walredo's heap redo would read the upstream ones in that layout and write wrong pages`,
      fix: `verify the sample with a bundle of the upstream tree (--walredo builtin), or give WAL written by this fork's server`,
    };
  const custom = (ids: number[]) => (ids.length ? ids.join(', ') : 'none');
  const missing = server ? customRmgrs.filter((id) => !server.customIds.includes(id)) : [];
  if (missing.length > 0)
    return {
      problem: `the WAL sample ${dir} has records of custom resource managers ${missing.join(', ')}, which ${v}'s server does not register (it registers ${custom(server!.customIds)})`,
      fix: `build ${v} with the module that registers ${missing.length > 1 ? 'them' : 'it'} (--module <dir> --walredo-preload <name>)`,
    };
  if (!server && walredo.mode === 'builtin' && customRmgrs.length > 0 && (walredo.preload ?? []).length === 0)
    return {
      problem: `the WAL sample ${dir} has records of custom resource managers ${customRmgrs.join(', ')}, and ${v}'s builtin walredo loads no resource-manager module`,
      fix: forkFix,
    };
  return undefined;
}
