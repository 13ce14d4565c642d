/**
 * The walredo stage of `pg-bundle verify`: probes `postgres --wal-redo`, runs the protocol tests,
 * then every vector of a corpus generated with the bundle's own server (or a stored corpus).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../util/errors';
import { Logger } from '../util/logger';
import { defaultIdentity, WalRedoClient, WalRedoError, WalRedoSpawn } from './client';
import { Corpus, DEFAULT_CORPUS_SCALE, generateCorpus, walSampleCorpus } from './corpus/corpus';
import { loadStoredCorpus } from './corpus/store';
import { ComparedVector, isCompared, RedoVector } from './corpus/vectors';
import { probeResourceManagers, rmgrsFromVectors } from './rmgr-probe';
import { measureSandbox } from './suite/sandbox';
import { runProtocolTests } from './suite/protocol-tests';
import { countFor, emptyReport, WalRedoMode, WalRedoReport } from './suite/report';
import { runVectors } from './suite/run-vectors';
import { CrossPages, CrossPagesResult } from './suite/cross-pages';
import { measureServerWal, needsServerWal, refuseSample, ServerWal, WalSampleFacts } from './wal-sample';

export interface WalRedoStageOptions {
  /** Skip the stage (only when explicitly asked: --skip-walredo); the report says so. */
  skip?: boolean;
  /** The walredo mode recorded in the manifest at build time (default "builtin"). */
  mode?: WalRedoMode;
  /** Modules walredo preloads (manifest walredo.preload); the corpus server preloads them too. */
  preload?: string[];
  log?: Logger;
  /** Use a stored corpus file (*.jsonl.gz) instead of generating WAL with the bundle's server. */
  corpusFile?: string;
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
  const mode = options.mode ?? 'builtin';
  const log = options.log;
  const report = emptyReport(mode);
  const finish = () => ((report.durationMs = Date.now() - started), report);
  if (options.skip) {
    report.status = 'skip';
    report.message = 'skipped on request (--skip-walredo)';
    return finish();
  }
  const paths = walRedoPaths(bundleDir, major);
  if (!existsSync(paths.postgres)) {
    report.status = 'fail';
    report.message = `${paths.postgres} does not exist: point verify at a bundle directory with v${major}/bin/postgres`;
    return finish();
  }
  const exitBoundMs = options.exitBoundMs ?? 10000;
  const start = walRedoStarter(bundleDir, major, options);
  const probe = await probeWalRedo(start, Math.max(exitBoundMs, 30000));
  if (probe) {
    report.mode = 'none';
    report.status = 'fail';
    report.message = noWalRedoMessage(major, probe);
    return finish();
  }
  let corpus: Corpus | undefined;
  try {
    // first, so that nothing later (the corpus) can leave the sandbox unmeasured
    report.sandbox = await measureSandbox(
      (cwd) => walRedoStarter(bundleDir, major, { ...options, cwd })(),
      major,
    );
    log?.info(
      `walredo: seccomp ${report.sandbox.seccomp ?? 'unknown'} in /proc/<pid>/status; ${report.sandbox.forbiddenCall}`,
    );
    let server: ServerWal | undefined;
    if (options.walSample) {
      const walredo = { mode, preload: options.preload };
      if (needsServerWal(options.walSample.facts, walredo)) {
        server = await measureServerWal(paths.bin, major, options.preload ?? []);
        log?.info(`walredo: the bundle's own server writes ${server.dialect.summary}`);
      }
      report.walSample = {
        dir: options.walSample.dir,
        records: options.walSample.facts.records,
        dialect: options.walSample.facts.dialect.summary,
        stop: options.walSample.facts.stop,
        ...(server ? { server: server.dialect.summary } : {}),
      };
      // also when the caller checked the sample before (checkWalSample): here with the server measured
      const refused = refuseSample(options.walSample.facts, options.walSample.dir, walredo, server);
      if (refused) {
        report.status = 'fail';
        report.message = `${refused.problem}; ${refused.fix}`;
        return finish();
      }
    }
    corpus = options.walSample
      ? walSampleCorpus(options.walSample.dir, options.walSample.facts.wal, {
          customRmgrs: server?.registered ?? {},
          tcidHeap: options.walSample.facts.dialect.kind === 'fork-tcid',
        })
      : options.corpusFile
        ? loadStoredCorpus(options.corpusFile)
        : await generateCorpus({
            binDir: paths.bin,
            major,
            scale: options.scale ?? DEFAULT_CORPUS_SCALE,
            log,
            preload: options.preload,
          });
    log?.info(`walredo: corpus from ${corpus.source}`);
    const it = corpus.vectors()[Symbol.iterator]();
    const head = takeFirst(it, 512);
    const samples = pickSamples(head, options.samples ?? 64);
    report.protocol.tests = await runProtocolTests({
      start,
      samples,
      exitBoundMs,
      startInReadOnlyRoot: readOnlyRootStarter(bundleDir, major, options),
      mode: mode === 'fork' ? 'fork' : 'builtin',
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
  } catch (e) {
    report.status = 'fail';
    report.message = `the walredo stage could not run: ${errorMessage(e).split('\n')[0]}`;
    log?.error(errorMessage(e));
    return finish();
  } finally {
    corpus?.dispose();
  }
  conclude(report);
  return finish();
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

/** What the corpus skipped (and why), and where it came from, into the report. */
function recordCorpus(report: WalRedoReport, corpus: Corpus): void {
  const stats = corpus.stats;
  for (const [rmgr, n] of Object.entries(stats.skippedByRmgr)) {
    countFor(report, rmgr).skipped += n;
    report.vectors.skipped += n;
  }
  report.vectors.skippedReasons = {
    ...stats.skippedBlocks,
    ...Object.fromEntries(
      Object.entries(stats.serviceApplied).map(([k, v]) => [
        `${k} records (applied by the storage service)`,
        v,
      ]),
    ),
  };
  report.corpus = { source: corpus.source, records: stats.records, walStop: corpus.walStop() };
}

/** The stage's verdict from the protocol tests and the vectors. */
function conclude(report: WalRedoReport): void {
  const rmgrs = Object.values(report.vectors.byRmgr).filter((c) => c.passed + c.failed > 0).length;
  const cross = report.crossPages;
  if (report.protocol.failed > 0 || report.vectors.failed > 0) {
    report.status = 'fail';
    report.message = `${report.protocol.failed} protocol tests and ${report.vectors.failed} vectors failed`;
  } else if (cross && (cross.differing > 0 || cross.compared === 0 || cross.unmatched > 0)) {
    report.status = 'fail';
    report.message = `${cross.differing} of ${cross.compared} pages differ from the ${cross.comparedWith} walredo's answers to the same requests${cross.unmatched ? `, and ${cross.unmatched} vectors got no answer from it to compare (${cross.otherFailed ?? 0} failed there)` : ''} (first differing: ${cross.firstDiffering.map((d) => `vector ${d.vector} (${d.rmgr})`).join(', ') || 'none'})`;
  } else if (report.vectors.passed === 0) {
    report.status = 'fail';
    report.message = 'the corpus gave no vectors';
  } else {
    report.message = `${report.vectors.passed} vectors over ${rmgrs} resource managers passed${cross ? `; every page equal to the ${cross.comparedWith} walredo's answer (${cross.identical} identical, ${cross.equalMasked} after masking)` : ''}`;
  }
}
