/**
 * The walredo stage of `pg-bundle verify`: probes `postgres --wal-redo`, runs the protocol tests,
 * then every vector of a corpus generated with the bundle's own server (or the caller's).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../util/errors';
import { defaultIdentity, WalRedoClient, WalRedoError } from './client';
import { Corpus } from './corpus/corpus';
import { ComparedVector, isCompared, RedoVector } from './corpus/vectors';
import { probeResourceManagers, rmgrsFromVectors } from './rmgr-probe';
import { CrossPages, CrossPagesResult } from './suite/cross-pages';
import { WalRedoStageOptions } from './suite/options';
import { runProtocolTests } from './suite/protocol-tests';
import { emptyReport, WalRedoReport } from './suite/report';
import { runVectors } from './suite/run-vectors';
import { measureSandbox } from './suite/sandbox';
import { admitWalSample, stageCorpus } from './suite/stage-corpus';
import { conclude, recordCorpus } from './suite/verdict';

export const DEFAULT_TENANT_SHARD_ID = '00000000000000000000000000000000';

export function walRedoPaths(bundleDir: string, major: number) {
  const root = join(bundleDir, `v${major}`);
  return { root, bin: join(root, 'bin'), postgres: join(root, 'bin', 'postgres'), lib: join(root, 'lib') };
}

/** Starts walredo processes the way the storage service does: cleared environment but LD_LIBRARY_PATH, pipes. */
export function walRedoStarter(
  bundleDir: string,
  major: number,
  options: WalRedoStageOptions = {},
): () => WalRedoClient {
  const paths = walRedoPaths(bundleDir, major);
  const args = walRedoArgs(options);
  return () =>
    new WalRedoClient(paths.postgres, {
      args,
      env: { LD_LIBRARY_PATH: paths.lib },
      timeoutMs: options.timeoutMs ?? 60000,
      cwd: options.cwd,
      ...defaultIdentity(),
      spawn: options.spawn,
    });
}

/** bwrap's arguments to run walredo in an empty, read-only root (pure): the version's directory, /proc and /dev/null, nothing writable, no /tmp. */
export function readOnlyRootArgs(
  versionDir: string,
  major: number,
  walredoArgs: readonly string[],
): string[] {
  const root = `/bundle/v${major}`;
  return [
    '--unshare-all',
    '--die-with-parent',
    '--uid',
    '1000',
    '--gid',
    '1000',
    '--ro-bind',
    versionDir,
    root,
    '--proc',
    '/proc',
    '--dev-bind',
    '/dev/null',
    '/dev/null',
    '--remount-ro',
    '/',
    '--clearenv',
    '--setenv',
    'LD_LIBRARY_PATH',
    `${root}/lib`,
    '--chdir',
    '/',
    '--',
    `${root}/bin/postgres`,
    ...walredoArgs,
  ];
}

/** Starts walredo in an empty, read-only root with bwrap; undefined when bwrap is not installed. */
export function readOnlyRootStarter(
  bundleDir: string,
  major: number,
  options: WalRedoStageOptions = {},
): (() => WalRedoClient) | undefined {
  // an injected spawn (a VM's) makes the root where the process runs, from the same arguments
  const bwrap = options.spawn ? 'bwrap' : findOnPath('bwrap');
  if (!bwrap) return undefined;
  const paths = walRedoPaths(bundleDir, major);
  const args = readOnlyRootArgs(paths.root, major, walRedoArgs(options));
  return () =>
    new WalRedoClient(bwrap, { args, env: {}, timeoutMs: options.timeoutMs ?? 60000, spawn: options.spawn });
}

function walRedoArgs(options: WalRedoStageOptions): string[] {
  const shard = options.tenantShardId === undefined ? DEFAULT_TENANT_SHARD_ID : options.tenantShardId;
  return ['--wal-redo', ...(shard ? ['--tenant-shard-id', shard] : [])];
}

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The one message given when postgres has no walredo mode. */
export function noWalRedoMessage(major: number, why: string): string {
  return (
    `v${major}/bin/postgres has no walredo mode: ${why}. ` +
    `Upstream PostgreSQL has none: build the bundle with --walredo builtin (pg-bundle's module) or from a fork that has one, ` +
    `or pass --skip-walredo to skip this stage (the manifest records that it was skipped).`
  );
}

/** Checks that `postgres --wal-redo` answers a ping; returns a failure reason or undefined. */
export async function probeWalRedo(start: () => WalRedoClient, boundMs: number): Promise<string | undefined> {
  const c = start();
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = c.ping();
    const timeout = new Promise<'timeout'>(
      (resolve) => (timer = setTimeout(() => resolve('timeout'), boundMs)),
    );
    const r = await Promise.race([answer, timeout]);
    if (r === 'timeout') return `"postgres --wal-redo" did not answer a ping within ${boundMs} ms`;
    return undefined;
  } catch (e) {
    if (!(e instanceof WalRedoError)) throw e;
    const first =
      c
        .stderrTail(5)
        .split('\n')
        .find((l) => l.trim()) ?? '';
    const how = e.message.split('\n')[0];
    return `"postgres --wal-redo" ${how.replace(/^the walredo process /, '')}${first ? ` saying "${first.trim()}"` : ' without a message'}`;
  } finally {
    clearTimeout(timer);
    c.kill();
  }
}

function takeFirst(it: Iterator<RedoVector>, n: number): RedoVector[] {
  const out: RedoVector[] = [];
  while (out.length < n) {
    const r = it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/**
 * Vectors for the protocol tests: delta vectors of different resource managers first, then the
 * other compared ones in order, then (a WAL sample without consistency images has no others)
 * replay chains, which are judged by their answer.
 */
export function pickSamples(all: RedoVector[], n: number): RedoVector[] {
  const vectors = [...all.filter(isCompared), ...all.filter((v) => !isCompared(v))];
  const byRmgr = new Map<string, ComparedVector>();
  for (const v of vectors)
    if (isCompared(v) && v.kind === 'delta' && !byRmgr.has(v.rmgr)) byRmgr.set(v.rmgr, v);
  const picked: RedoVector[] = [...byRmgr.values()];
  for (const v of vectors) if (picked.length < n && !picked.includes(v)) picked.push(v);
  return picked.slice(0, n);
}

export async function runWalRedoStage(
  bundleDir: string,
  major: number,
  options: WalRedoStageOptions = {},
): Promise<WalRedoReport> {
  const started = Date.now();
  const report = emptyReport(options.mode ?? 'builtin');
  const finish = () => ((report.durationMs = Date.now() - started), report);
  const start = walRedoStarter(bundleDir, major, options);
  if (await doesNotRun(report, bundleDir, major, start, options)) return finish();
  let corpus: Corpus | undefined;
  try {
    // first, so that nothing later (the corpus) can leave the sandbox unmeasured
    report.sandbox = await measureSandbox(
      (cwd) => walRedoStarter(bundleDir, major, { ...options, cwd })(),
      major,
    );
    options.log?.info(
      `walredo: seccomp ${report.sandbox.seccomp ?? 'unknown'} in /proc/<pid>/status; ${report.sandbox.forbiddenCall}`,
    );
    const paths = walRedoPaths(bundleDir, major);
    const sample = await admitWalSample(report, paths.bin, major, options);
    if (sample.refused) {
      report.status = 'fail';
      report.message = sample.refused;
      return finish();
    }
    corpus = await stageCorpus(paths.bin, major, options, sample.server);
    options.log?.info(`walredo: corpus from ${corpus.source}`);
    await runCorpus(report, corpus, start, bundleDir, major, options);
  } catch (e) {
    report.status = 'fail';
    report.message = `the walredo stage could not run: ${errorMessage(e).split('\n')[0]}`;
    options.log?.error(errorMessage(e));
    return finish();
  } finally {
    // the caller's corpus is the caller's to dispose
    if (corpus !== options.corpus) corpus?.dispose();
  }
  conclude(report);
  return finish();
}

/** Why the stage does not run, into the report: skipped on request, no postgres, no walredo mode. */
async function doesNotRun(
  report: WalRedoReport,
  bundleDir: string,
  major: number,
  start: () => WalRedoClient,
  options: WalRedoStageOptions,
): Promise<boolean> {
  if (options.skip) {
    report.status = 'skip';
    report.message = 'skipped on request (--skip-walredo)';
    return true;
  }
  const { postgres } = walRedoPaths(bundleDir, major);
  if (!existsSync(postgres)) {
    report.status = 'fail';
    report.message = `${postgres} does not exist: point verify at a bundle directory with v${major}/bin/postgres`;
    return true;
  }
  const probe = await probeWalRedo(start, Math.max(exitBound(options), 30000));
  if (!probe) return false;
  report.mode = 'none';
  report.status = 'fail';
  report.message = noWalRedoMessage(major, probe);
  return true;
}

/** Time a process may take to exit after bad input or end of input. */
function exitBound(options: WalRedoStageOptions): number {
  return options.exitBoundMs ?? 10000;
}

/**
 * The corpus run against walredo: the protocol tests on samples of its first vectors, the resource
 * managers it replays, then every vector (and the other platform's walredo on them, --cross-check).
 */
async function runCorpus(
  report: WalRedoReport,
  corpus: Corpus,
  start: () => WalRedoClient,
  bundleDir: string,
  major: number,
  options: WalRedoStageOptions,
): Promise<void> {
  const log = options.log;
  const it = corpus.vectors()[Symbol.iterator]();
  const head = takeFirst(it, 512);
  report.protocol.tests = await runProtocolTests({
    start,
    samples: pickSamples(head, options.samples ?? 64),
    exitBoundMs: exitBound(options),
    startInReadOnlyRoot: readOnlyRootStarter(bundleDir, major, options),
    mode: options.mode === 'fork' ? 'fork' : 'builtin',
  });
  const rmgrProbe = await probeResourceManagers(start);
  if ('measured' in rmgrProbe) report.rmgrs = rmgrProbe.measured;
  else {
    report.rmgrsNotMeasurable = rmgrProbe.notMeasurable;
    log?.info(`walredo: the resource managers it replays are not measurable: ${rmgrProbe.notMeasurable}`);
  }
  report.protocol.passed = report.protocol.tests.filter((t) => t.passed).length;
  report.protocol.failed = report.protocol.tests.length - report.protocol.passed;
  const rest: Iterable<RedoVector> = { [Symbol.iterator]: () => it };
  const cross = options.crossCheck ? new CrossPages(options.crossCheck.platform) : undefined;
  await runVectors(
    (function* () {
      yield* head;
      yield* rest;
    })(),
    report,
    {
      start,
      window: options.window ?? 16,
      onProgress: (n) => log?.debug(`walredo: ${n} vectors run`),
      onPage: cross && ((v, page) => cross.keep(v, page)),
    },
  );
  recordCorpus(report, corpus);
  if (cross) report.crossPages = await crossCheckPages(corpus, cross, major, options);
  // a walredo the probe cannot measure: the rmgrs of the vectors it passed, said to be so
  if (report.rmgrsNotMeasurable) report.rmgrs = rmgrsFromVectors(report.vectors.byRmgr);
}

/**
 * The other platform's walredo (run on this machine) answers the corpus again, into its own report
 * (its pass/fail is not this bundle's); each answer is compared with this walredo's.
 */
async function crossCheckPages(
  corpus: Corpus,
  cross: CrossPages,
  major: number,
  options: WalRedoStageOptions,
): Promise<CrossPagesResult> {
  const other = options.crossCheck!;
  options.log?.info(
    `walredo: the ${other.platform} bundle's walredo (${other.bundleDir}) answers the same vectors`,
  );
  const start = walRedoStarter(other.bundleDir, major, { ...options, spawn: undefined });
  const otherReport = emptyReport(options.mode ?? 'builtin');
  await runVectors(corpus.vectors(), otherReport, {
    start,
    window: options.window ?? 16,
    onPage: (v, page) => cross.compare(v, page),
  });
  const r = { ...cross.done(), otherFailed: otherReport.vectors.failed };
  options.log?.info(
    `walredo: ${r.compared} pages compared with ${r.comparedWith}'s walredo: ${r.identical} identical, ${r.equalMasked} equal after masking, ${r.differing} differ`,
  );
  return r;
}
