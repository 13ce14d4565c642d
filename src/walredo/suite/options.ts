/** What the walredo stage of verify is asked to do (src/walredo/suite.ts runWalRedoStage). */
import { Logger } from '../../util/logger';
import type { WalRedoSpawn } from '../client';
import type { Corpus } from '../corpus/corpus';
import type { WalSampleFacts } from '../wal-sample';
import type { WalRedoMode } from './report';

export interface WalRedoStageOptions {
  /** Skip the stage (only when explicitly asked: --skip-walredo); the report says so. */
  skip?: boolean;
  /** The walredo mode recorded in the manifest at build time (default "builtin"). */
  mode?: WalRedoMode;
  /** Modules walredo preloads (manifest walredo.preload); the corpus server preloads them too. */
  preload?: string[];
  log?: Logger;
  /** A corpus the caller made (tests: a stored one) instead of WAL generated with the bundle's server. */
  corpus?: Corpus;
  /** A WAL sample to replay instead of the generated corpus (verify --wal), read and refused-or-not before */
  walSample?: { dir: string; facts: WalSampleFacts };
  /** Working directory of the walredo processes (default: this process's) */
  cwd?: string;
  /** Workload scale of the generated corpus. */
  scale?: number;
  /** Per-request timeout (default 60 s, as the storage service). */
  timeoutMs?: number;
  /** Time a process may take to exit after bad input or end of input (default 10 s). */
  exitBoundMs?: number;
  /** Requests in flight at once (default 16). */
  window?: number;
  /** Appended as --tenant-shard-id like the storage service does; null to leave it out. */
  tenantShardId?: string | null;
  /** Vectors used by the protocol tests (default 64). */
  samples?: number;
  /** Starts the walredo processes (default: here; src/verify/vm's AArch64Vm.walRedoSpawn() in a VM). */
  spawn?: WalRedoSpawn;
  /**
   * The same major built for another platform (verify --cross-check): its walredo, run here, answers
   * every vector again and each page is compared with this walredo's (suite/cross-pages.ts).
   */
  crossCheck?: { bundleDir: string; platform: string };
}
