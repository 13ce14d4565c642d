/**
 * The walredo stage: the verify corpus (WAL of the old bundle's own server, walredo/corpus) replayed
 * through the old and the new bundle's walredo; every page must be identical, byte for byte.
 */
import { Logger } from '../util/logger';
import { errorMessage } from '../util/errors';
import { withReachableBundle } from '../verify/checks/walredo';
import { WalRedoClient, WalRedoError } from '../walredo/client';
import { DEFAULT_CORPUS_SCALE, generateCorpus } from '../walredo/corpus/corpus';
import { RedoVector } from '../walredo/corpus/vectors';
import { probeWalRedo, walRedoPaths, walRedoStarter } from '../walredo/suite';
import { Measured, WalRedoPagesReport } from './report';

const KEPT_DIFFERENCES = 20;
const WINDOW = 16;

/** How two answers to one request differ (pure); undefined when they are the same page. */
export function pageDifference(a: Buffer | Error, b: Buffer | Error): string | undefined {
  const what = (x: Buffer | Error) => (x instanceof Error ? `error: ${x.message.split('\n')[0]}` : 'a page');
  if (a instanceof Error || b instanceof Error) {
    if (a instanceof Error && b instanceof Error) return undefined;
    return `old gave ${what(a)}, new gave ${what(b)}`;
  }
  if (a.equals(b)) return undefined;
  let first = 0;
  while (first < a.length && a[first] === b[first]) first++;
  let count = 0;
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) count++;
  return `${count} bytes differ, the first at byte ${first}`;
}

/** One side's answers, restarting its process when it died. */
function answerer(start: () => WalRedoClient) {
  let client = start();
  return {
    redo(v: RedoVector): Promise<Buffer | Error> {
      if (client.hasExited()) client = start();
      return client.redo(v).catch((e: unknown) => {
        if (e instanceof WalRedoError) return e;
        throw e;
      });
    },
    kill: () => client.kill(),
  };
}

async function replay(
  vectors: Iterable<RedoVector>,
  starts: { old: () => WalRedoClient; new: () => WalRedoClient },
  report: WalRedoPagesReport,
): Promise<void> {
  const a = answerer(starts.old);
  const b = answerer(starts.new);
  const inflight: Array<{ v: RedoVector; answers: Promise<[Buffer | Error, Buffer | Error]> }> = [];
  const settle = async () => {
    const { v, answers } = inflight.shift()!;
    const got = await answers;
    // a process that died fails every request in flight: ask again, one at a time, on fresh ones
    const again = got.some((x) => x instanceof Error) ? await Promise.all([a.redo(v), b.redo(v)]) : got;
    const why = pageDifference(...again);
    report.vectors++;
    if (!why) report.identical++;
    else if (report.differingCount++ < KEPT_DIFFERENCES)
      report.differing.push({ vector: v.id, rmgr: v.rmgr, detail: why });
  };
  try {
    for (const v of vectors) {
      inflight.push({ v, answers: Promise.all([a.redo(v), b.redo(v)]) });
      if (inflight.length >= WINDOW) await settle();
    }
    while (inflight.length) await settle();
  } finally {
    a.kill();
    b.kill();
  }
}

export async function compareWalRedo(
  dirs: { old: string; new: string },
  major: number,
  preload: string[] | undefined,
  log: Logger,
): Promise<Measured<WalRedoPagesReport>> {
  return withReachableBundle(dirs.old, major, log, (oldDir) =>
    withReachableBundle(dirs.new, major, log, (newDir) =>
      replayCorpus({ old: oldDir, new: newDir }, major, preload, log),
    ),
  );
}

async function replayCorpus(
  dirs: { old: string; new: string },
  major: number,
  preload: string[] | undefined,
  log: Logger,
): Promise<Measured<WalRedoPagesReport>> {
  const started = Date.now();
  const starts = { old: walRedoStarter(dirs.old, major), new: walRedoStarter(dirs.new, major) };
  for (const side of ['old', 'new'] as const) {
    const why = await probeWalRedo(starts[side], 30_000);
    if (why) return { measured: false, why: `the ${side} bundle's walredo does not answer: ${why}` };
  }
  let corpus;
  try {
    corpus = await generateCorpus({
      binDir: walRedoPaths(dirs.old, major).bin,
      major,
      scale: DEFAULT_CORPUS_SCALE,
      log,
      preload,
    });
  } catch (err) {
    return {
      measured: false,
      why: `no corpus from the old bundle's server: ${errorMessage(err).split('\n')[0]}`,
    };
  }
  const report: WalRedoPagesReport = {
    source: corpus.source,
    vectors: 0,
    identical: 0,
    differing: [],
    differingCount: 0,
    seconds: 0,
  };
  try {
    await replay(corpus.vectors(), starts, report);
  } finally {
    corpus.dispose();
  }
  report.seconds = Math.round((Date.now() - started) / 100) / 10;
  return { measured: true, ...report };
}
