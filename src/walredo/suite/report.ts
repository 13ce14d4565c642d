/** The walredo section of the verify report, and its Markdown summary. */
import type { CrossPagesResult } from './cross-pages';
import { SandboxReport } from './sandbox';
import { PageDiff } from '../mask/compare';
import { RmgrSet } from '../../core/manifest';

export type WalRedoMode = 'fork' | 'builtin' | 'none';

export interface ProtocolTestResult {
  name: string;
  passed: boolean;
  detail: string;
}

export interface RmgrCounts {
  passed: number;
  failed: number;
  skipped: number;
}

export interface VectorFailure {
  vector: number;
  rmgr: string;
  kind: string;
  tag: string;
  /** The target's block_id in the record. */
  blockId?: number;
  lsn: string;
  problems: string[];
  diff?: PageDiff;
}

export interface WalRedoReport {
  mode: WalRedoMode;
  status: 'pass' | 'fail' | 'skip';
  /** One line saying why the stage failed or was skipped. */
  message?: string;
  protocol: { passed: number; failed: number; tests: ProtocolTestResult[] };
  vectors: {
    passed: number;
    failed: number;
    skipped: number;
    byRmgr: Record<string, RmgrCounts>;
    /**
     * Of the vectors run, those compared with a page (all of a generated corpus; of a WAL sample,
     * the chains that end where it holds an after-image): the others were judged by their answer
     * alone (a well-formed page stamped by one of their records).
     */
    compared?: number;
    /** Why blocks gave no vector (counts). */
    skippedReasons?: Record<string, number>;
    /** The first failures, with a hex diff. */
    failures: VectorFailure[];
  };
  corpus?: { source: string; records: number; walStop: string };
  /**
   * The resource managers the binary replays, measured (rmgr-probe.ts); when the probe cannot
   * measure it (rmgrsNotMeasurable), those whose vectors it passed.
   */
  rmgrs?: RmgrSet;
  /** the WAL sample replayed instead of the generated corpus (verify --wal) */
  walSample?: {
    dir: string;
    records: number;
    dialect: string;
    stop: string;
    /** what the bundle's own server writes (measured when the sample is judged against it) */
    server?: string;
  };
  /** the process's seccomp sandbox, measured (suite/sandbox.ts) */
  sandbox?: SandboxReport;
  /** every vector's page against another platform's walredo's (verify --cross-check; suite/cross-pages.ts) */
  crossPages?: CrossPagesResult;
  /** why the rmgr probe could not measure this walredo (it does not check resource manager ids) */
  rmgrsNotMeasurable?: string;
  durationMs?: number;
}

export function emptyReport(mode: WalRedoMode): WalRedoReport {
  return {
    mode,
    status: 'pass',
    protocol: { passed: 0, failed: 0, tests: [] },
    vectors: { passed: 0, failed: 0, skipped: 0, byRmgr: {}, failures: [] },
  };
}

export function countFor(report: WalRedoReport, rmgr: string): RmgrCounts {
  return (report.vectors.byRmgr[rmgr] ??= { passed: 0, failed: 0, skipped: 0 });
}
