/**
 * The storage service's questions (issue 18): many processes at once, native cold start,
 * per-request latency and where it goes, every major, and build time of the matrix. Each section
 * is one table of the result; the coordinator reads like the list of sections.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../src/util/logger';
import { BenchBundle, readVersionManifest, sourceOfManifest } from './bundles';
import { buildMatrixSection } from './build-matrix';
import { loadCorpusVectors } from './corpus';
import { majorsSection } from './majors';
import { buildNativeTools, NativeTools } from './native';
import {
  coldStartSection,
  cpuPerRequest,
  floorPrograms,
  LatencyResult,
  latencySamples,
  latencyTable,
  NamedProgram,
  syscallsPerRequest,
  walredoProgram,
} from './native-bench';
import { perfProfileSection } from './perf-profile';
import { encodeRequestFiles, firstRequestLength, RequestFile } from './request-file';
import { SectionTable } from './report';
import { scaleSamples, scaleTable } from './scale-section';

export interface StorageOptions {
  major: number;
  scale: number[];
  scaleRuns: number;
  latency: boolean;
  latencyRequests: number;
  rounds: number;
  nativeRuns: number;
  majors: number[];
  bundlePrefix?: string;
  /** with majors and buildTimes: only the build matrix */
  buildMatrixOnly?: boolean;
  buildTimes: boolean;
  buildRuns: number;
  jobs: number;
  corpus?: string;
  corpusScale: number;
  initdbRuns: number;
  /** out dir of a --keep-debug build of the same major: function-level profile with perf */
  profileDebug?: string;
}

/** Distinct requests per class in the request files. */
const REQUESTS_PER_CLASS = 500;

export async function storageSections(
  opts: StorageOptions,
  bundles: { static?: BenchBundle; dynamic?: BenchBundle },
  log: Logger,
): Promise<SectionTable[]> {
  const tools = await log.step('native harness (gcc -static)', () => buildNativeTools());
  const sections: SectionTable[] = [];
  const subjects = walredoSubjects(bundles);
  if (subjects.length && (opts.latency || opts.scale.length)) {
    const files = await requestFiles(opts, bundles.static ?? bundles.dynamic!, log);
    if (opts.latency) sections.push(...(await nativeSections(tools, subjects, files, opts, log)));
    if (opts.scale.length) sections.push(await scaleSection(tools, subjects, files, opts, log));
  }
  if (opts.majors.length && !opts.buildMatrixOnly)
    sections.push(await majorsSection(tools, majorsInput(opts, log)));
  if (opts.majors.length && opts.buildTimes)
    sections.push(
      await buildMatrixSection({
        majors: opts.majors,
        sourceOf: (m) => sourceOf(opts, m),
        runs: opts.buildRuns,
        jobs: opts.jobs,
        log,
      }),
    );
  return sections;
}

function walredoSubjects(bundles: { static?: BenchBundle; dynamic?: BenchBundle }): NamedProgram[] {
  const subjects: NamedProgram[] = [];
  if (bundles.static) subjects.push({ label: 'walredo static', program: walredoProgram(bundles.static.dir) });
  if (bundles.dynamic)
    subjects.push({ label: 'walredo dynamic', program: walredoProgram(bundles.dynamic.dir) });
  return subjects;
}

async function requestFiles(opts: StorageOptions, b: BenchBundle, log: Logger): Promise<RequestFile[]> {
  const corpus = await log.step(`v${opts.major}: corpus for the request files`, () =>
    loadCorpusVectors({
      major: opts.major,
      binDir: join(b.dir, 'bin'),
      scale: opts.corpusScale,
      stored: opts.corpus,
      log,
    }),
  );
  return encodeRequestFiles(corpus.vectors, REQUESTS_PER_CLASS);
}

async function nativeSections(
  tools: NativeTools,
  subjects: NamedProgram[],
  files: RequestFile[],
  opts: StorageOptions,
  log: Logger,
): Promise<SectionTable[]> {
  const cold = await log.step(`native cold start ×${opts.nativeRuns} per program`, () =>
    coldStartSection(tools, subjects, opts.nativeRuns, opts.rounds),
  );
  const echo = { label: 'static echo program (the floor)', program: floorPrograms(tools).echo.program };
  const latency = await log.step(`native latency ×${opts.latencyRequests} per program and class`, () =>
    latencySamples(tools, [echo, ...subjects], files, opts.latencyRequests, opts.rounds),
  );
  const profile = await log.step('profile of the static walredo process', () =>
    profileSection(tools, subjects[0], files, latency),
  );
  const sections = [cold.table, latencyTable(latency, files, echo.label), profile];
  if (opts.profileDebug) {
    const debugOutDir = opts.profileDebug;
    sections.push(
      await log.step('function-level profile (perf)', () =>
        perfProfileSection(tools, debugOutDir, opts.major, files),
      ),
    );
  }
  return sections;
}

async function profileSection(
  tools: NativeTools,
  walredo: NamedProgram,
  files: RequestFile[],
  latency: LatencyResult[],
): Promise<SectionTable> {
  const rows: string[][] = [];
  for (const f of files) {
    const own = latency.filter((r) => r.cls === f.cls && r.label === walredo.label);
    const usage = own.flatMap((r) => r.usage);
    const cpu = cpuPerRequest(usage);
    const requests = usage.reduce((n, u) => n + u.requests, 0);
    const switches = usage.reduce((n, u) => n + u.voluntarySwitches + u.involuntarySwitches, 0);
    const calls = await syscallsPerRequest(tools, walredo.program, f, 2000);
    const top = calls
      ? [...calls]
          .filter(([, n]) => n >= 0.01)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 5)
          .map(([name, n]) => `${name} ${n.toFixed(1)}`)
          .join(', ')
      : 'strace not available';
    rows.push([
      f.cls,
      own[0] ? `${own[0].summary.p50.toFixed(1)} µs` : '',
      cpu?.timed !== undefined ? `${cpu.timed.toFixed(1)} µs` : '',
      cpu ? `${cpu.user.toFixed(1)} + ${cpu.system.toFixed(1)} µs` : '',
      requests ? (switches / requests).toFixed(2) : '',
      top,
    ]);
  }
  return {
    title: `Where a request's time goes (${walredo.label})`,
    intro: [
      "CPU: the walredo process's time on a CPU during the timed requests (/proc/<pid>/schedstat, read by the harness before and after) ÷ requests; the user/system split from wait4's rusage over the process's whole life (start-up and warm-up included; tick-sampled, so only a rough split)",
      'system calls: strace -c on a separate run of 2,000 requests per class (strace slows the process; only the counts are used)',
      'no function-level profile: this VM exposes no hardware counters to perf (cycles, instructions: not supported) and the bundle is stripped',
    ],
    columns: [
      'request',
      'p50 (native harness)',
      'CPU per timed request (schedstat)',
      'user + system per request (rusage, whole life)',
      'context switches per request',
      'system calls per request (top 5, ≥ 0.01)',
    ],
    rows,
    notes: [],
  };
}

async function scaleSection(
  tools: NativeTools,
  subjects: NamedProgram[],
  files: RequestFile[],
  opts: StorageOptions,
  log: Logger,
): Promise<SectionTable> {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-bench-scale-'));
  chmodSync(dir, 0o755);
  const short = files.find((f) => f.cls === 'short') ?? files[0];
  const file = join(dir, 'request.bin');
  // the first request of the short class only: every process gets the same one
  writeFileSync(file, short.bytes.subarray(0, firstRequestLength(short.bytes)), { mode: 0o644 });
  const notes: string[] = [];
  try {
    const results = await log.step(`many processes: ${opts.scale.join(', ')}`, () =>
      scaleSamples(tools, subjects, opts.scale, opts.scaleRuns, file, (m) => notes.push(m)),
    );
    return scaleTable(results, notes);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function majorsInput(opts: StorageOptions, log: Logger) {
  return {
    majors: opts.majors,
    outDirOf: (m: number) => outDirOf(opts, m),
    initdbRuns: opts.initdbRuns,
    coldRuns: opts.nativeRuns,
    rounds: opts.rounds,
    log,
  };
}

function outDirOf(opts: StorageOptions, major: number): string {
  if (!opts.bundlePrefix)
    throw new Error('--majors needs --bundle-prefix (the out dir of major M is <prefix>M)');
  return `${opts.bundlePrefix}${major}`;
}

function sourceOf(opts: StorageOptions, major: number): { spec: string; sha256?: string } {
  const m = opts.bundlePrefix ? readVersionManifest(outDirOf(opts, major), major) : undefined;
  return m ? sourceOfManifest(m) : { spec: 'debian:postgresql-{v}' };
}
