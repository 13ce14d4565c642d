/** The corpus generator: WAL from the bundle's own server, read back and turned into vectors. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../util/logger';
import { parseLsn, WalFormat } from '../wal/constants';
import { loadWalDirectory } from '../wal/files';
import { WalReader, WalSegments } from '../wal/reader';
import { generateWal } from './generate-wal';
import { sampleVectors } from './sample-chains';
import { DeriveOptions, deriveVectors, emptyVectorStats, RedoVector, VectorStats } from './vectors';
import { walDialect } from '../wal-sample';

export interface Corpus {
  /** Where the vectors come from (for the report). */
  source: string;
  format: WalFormat;
  /** Filled in while `vectors()` is iterated. */
  stats: VectorStats;
  vectors(): Iterable<RedoVector>;
  /** Why WAL reading stopped (after iteration). */
  walStop(): string;
  dispose(): void;
}

export interface GenerateCorpusOptions {
  /** Directory with the bundle's initdb and postgres. */
  binDir: string;
  major: number;
  /** Row-count multiplier of the workload; 0.25 gives about 12,000 vectors on v15. */
  scale?: number;
  log?: Logger;
  /** Keep the WAL here instead of a temp directory (kept after dispose). */
  walDir?: string;
  /** Modules the bundle's walredo preloads (manifest walredo.preload): the server preloads them too. */
  preload?: string[];
}

export const DEFAULT_CORPUS_SCALE = 0.25;

export async function generateCorpus(options: GenerateCorpusOptions): Promise<Corpus> {
  const temp = options.walDir ? undefined : mkdtempSync(join(tmpdir(), 'pgb-walredo-wal-'));
  const walDir = options.walDir ?? join(temp!, 'pg_wal');
  let generated: Awaited<ReturnType<typeof generateWal>>;
  try {
    generated = await generateWal({
      binDir: options.binDir,
      outDir: walDir,
      scale: options.scale ?? DEFAULT_CORPUS_SCALE,
      log: options.log,
      preload: options.preload,
    });
  } catch (e) {
    if (temp) rmSync(temp, { recursive: true, force: true });
    throw e;
  }
  const wal = loadWalDirectory(walDir, options.major);
  const reader = new WalReader(wal);
  const stats = emptyVectorStats();
  const from = parseLsn(generated.startLsn);
  // a fork's v14/v15 server writes heap records with t_cid: the layout its VM flags are read in
  const tcidHeap = wal.format.major <= 15 && walDialect(wal).dialect.kind === 'fork-tcid';
  return {
    source: `WAL of the bundle's own server (workload ${generated.startLsn}..${generated.endLsn}, ${wal.segments.size} segments)`,
    format: wal.format,
    stats,
    vectors: () =>
      deriveVectors(reader.records(), wal.format, stats, from, undefined, {
        customRmgrs: generated.customRmgrs,
        tcidHeap,
      }),
    walStop: () => reader.stopReason,
    dispose: () => {
      if (temp) rmSync(temp, { recursive: true, force: true });
    },
  };
}

/**
 * A corpus from a WAL sample someone gives (`verify --wal`): segment files or a pg_wal directory,
 * any start LSN (reading starts at the first whole record). Every record counts: each block's chain
 * starts at its first full-page image or init record and is replayed and compared where the sample
 * holds a later image of the block; a chain with no later image is not replayed (yet).
 */
export function walSampleCorpus(walDir: string, wal: WalSegments, options: DeriveOptions = {}): Corpus {
  const reader = new WalReader(wal);
  const stats = emptyVectorStats();
  return {
    source: `the WAL sample ${walDir} (${wal.segments.size} segments)`,
    format: wal.format,
    stats,
    vectors: () => sampleVectors(reader.records(reader.firstValidPage()), wal.format, stats, options),
    walStop: () => reader.stopReason,
    dispose: () => undefined,
  };
}
