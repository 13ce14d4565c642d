/**
 * Runs corpus vectors through walredo processes: pipelined in a sliding window; when a process
 * fails, the requests that were in flight are re-run one at a time on fresh processes so that the
 * failure is blamed on the vector that causes it.
 */
import { errorMessage } from '../../util/errors';
import { WalRedoClient, WalRedoError } from '../client';
import { comparePages, replayedPageProblems } from '../mask/compare';
import { isCompared, RedoVector, tagKey } from '../corpus/vectors';
import { formatLsn } from '../wal/constants';
import { countFor, VectorFailure, WalRedoReport } from './report';

export interface RunVectorsOptions {
  start: () => WalRedoClient;
  /** Requests in flight at once (1 = no pipelining). */
  window?: number;
  /** Failures kept with details in the report. */
  keepFailures?: number;
  /** Give up (stop running vectors) after this many failures. */
  maxFailures?: number;
  onProgress?: (done: number) => void;
  /** every page walredo answered (cross-pages.ts compares them with another platform's) */
  onPage?: (v: RedoVector, page: Buffer) => void;
}

interface InFlight {
  v: RedoVector;
  answer: Promise<Buffer>;
}

/** The failure of a vector whose answer was `page`, or undefined when it passes. */
export function judgeVector(v: RedoVector, page: Buffer): VectorFailure | undefined {
  const last = v.records[v.records.length - 1];
  const cmp = isCompared(v)
    ? comparePages(v.expected, page, v.mask, v.tag.blkno, last.endLsn, v.lsnAlternatives)
    : { problems: replayedPageProblems(page, [last.endLsn, ...(v.lsnAlternatives ?? [])]), diff: undefined };
  if (cmp.problems.length === 0) return undefined;
  return {
    vector: v.id,
    rmgr: v.rmgr,
    kind: v.kind,
    tag: tagKey(v.tag),
    blockId: v.blockId,
    lsn: formatLsn(last.lsn),
    problems: cmp.problems,
    ...(cmp.diff ? { diff: cmp.diff } : {}),
  };
}

export async function runVectors(
  vectors: Iterable<RedoVector>,
  report: WalRedoReport,
  options: RunVectorsOptions,
): Promise<void> {
  const window = Math.max(1, options.window ?? 16);
  const keep = options.keepFailures ?? 20;
  const maxFailures = options.maxFailures ?? Number.MAX_SAFE_INTEGER;
  let client = options.start();
  let done = 0;
  const judged = (v: RedoVector, page: Buffer) => {
    options.onPage?.(v, page);
    return judgeVector(v, page);
  };
  const record = (v: RedoVector, failure: VectorFailure | undefined) => {
    done++;
    report.vectors.compared = (report.vectors.compared ?? 0) + (isCompared(v) ? 1 : 0);
    const c = countFor(report, v.rmgr);
    if (failure) {
      c.failed++;
      report.vectors.failed++;
      if (report.vectors.failures.length < keep) report.vectors.failures.push(failure);
    } else {
      c.passed++;
      report.vectors.passed++;
    }
    if (done % 1000 === 0) options.onProgress?.(done);
  };
  const processFailure = (v: RedoVector, e: unknown): VectorFailure => ({
    vector: v.id,
    rmgr: v.rmgr,
    kind: v.kind,
    tag: tagKey(v.tag),
    blockId: v.blockId,
    lsn: formatLsn(v.records[v.records.length - 1].lsn),
    problems: [errorMessage(e)],
  });
  const isolate = async (batch: RedoVector[]) => {
    for (const v of batch) {
      if (client.hasExited()) client = options.start();
      try {
        record(v, judged(v, await client.redo(v)));
      } catch (e) {
        if (!(e instanceof WalRedoError)) throw e;
        record(v, processFailure(v, e));
        client = options.start();
      }
    }
  };
  const inflight: InFlight[] = [];
  const settleHead = async () => {
    const head = inflight.shift()!;
    try {
      record(head.v, judged(head.v, await head.answer));
    } catch (e) {
      if (!(e instanceof WalRedoError)) throw e;
      const batch = [head.v, ...inflight.splice(0).map((f) => f.v)];
      client.kill();
      client = options.start();
      await isolate(batch);
    }
  };
  try {
    for (const v of vectors) {
      if (report.vectors.failed >= maxFailures) break;
      if (client.hasExited()) client = options.start();
      const answer = client.redo(v);
      answer.catch(() => undefined);
      inflight.push({ v, answer });
      if (inflight.length >= window) await settleHead();
    }
    while (inflight.length) await settleHead();
  } finally {
    client.kill();
  }
}
