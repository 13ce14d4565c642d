/**
 * Native timings (no Node.js between the clock and the process): walredo cold start next to a
 * static program's, per-request latency next to a trivial static echo program's over the same
 * pipes, and where the redo cost goes (the process's CPU and system calls per request).
 */
import { mkdtempSync, readFileSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildUsage, nativeColdStarts, nativeLatencies, NativeTools, Program } from './native';
import { RequestClass, RequestFile } from './request-file';
import { formatMicros, microsSummaryText, SectionTable, timesText } from './report';
import { interleave, latencySummary, LatencySummary, summarize, Summary } from './stats';
import { WALREDO_ARGS } from './walredo';

export interface NamedProgram {
  label: string;
  program: Program;
}

/** postgres --wal-redo of a vNN/ directory, as the storage service starts it. */
export function walredoProgram(versionDir: string): Program {
  return {
    argv: [join(versionDir, 'bin', 'postgres'), ...WALREDO_ARGS],
    env: { LD_LIBRARY_PATH: join(versionDir, 'lib') },
  };
}

export const floorPrograms = (tools: NativeTools) => ({
  hello: { label: 'static hello (spawn → exit): the floor', program: { argv: [tools.hello], env: {} } },
  echo: { label: 'static echo program (spawn → first ping)', program: { argv: [tools.echo], env: {} } },
});

export interface ColdStartSamples {
  micros: number[];
  /** minor page faults per start (its whole life), averaged over the batches */
  faults?: number;
}

/** Cold starts of each subject in µs, interleaved in `rounds` batches. */
export async function coldStartSamples(
  tools: NativeTools,
  subjects: { program: Program; until: 'ping' | 'exit' }[],
  runs: number,
  rounds: number,
): Promise<ColdStartSamples[]> {
  const samples = subjects.map(() => ({ micros: [] as number[], faults: [] as number[] }));
  const batch = Math.max(1, Math.round(runs / rounds));
  for (const i of interleave(
    subjects.map((_, k) => k),
    rounds,
  )) {
    const r = await nativeColdStarts(tools, subjects[i].program, batch, subjects[i].until);
    samples[i].micros.push(...r.micros);
    if (r.faults !== undefined) samples[i].faults.push(r.faults);
  }
  return samples.map((s) => ({
    micros: s.micros,
    faults: s.faults.length ? s.faults.reduce((a, b) => a + b, 0) / s.faults.length : undefined,
  }));
}

export async function coldStartSection(
  tools: NativeTools,
  walredo: NamedProgram[],
  runs: number,
  rounds: number,
): Promise<{ table: SectionTable; floor: Summary; byLabel: Map<string, Summary> }> {
  const floors = floorPrograms(tools);
  const subjects = [
    { ...floors.hello, until: 'exit' as const },
    { ...floors.echo, until: 'ping' as const },
    ...walredo.map((w) => ({ ...w, until: 'ping' as const })),
  ];
  const samples = await coldStartSamples(tools, subjects, runs, rounds);
  const summaries = samples.map((s) => summarize(s.micros));
  const floor = summaries[0];
  return {
    floor,
    byLabel: new Map(subjects.map((s, i) => [s.label, summaries[i]])),
    table: {
      title: 'Native cold start: spawn → first ping answered',
      intro: [
        `the harness (C, posix_spawn, stderr to /dev/null, uid 65534) times each start; ${runs} starts per program in ${rounds} interleaved batches, 3 discarded warm-ups per batch`,
      ],
      columns: [
        'program',
        'median (min, p95, IQR, n)',
        '÷ static hello floor (medians)',
        '÷ floor (minimums)',
        'minor page faults per start',
      ],
      rows: subjects.map((s, i) => [
        s.label,
        microsSummaryText(summaries[i]),
        timesText(summaries[i].median, floor.median),
        timesText(summaries[i].min, floor.min),
        samples[i].faults?.toFixed(0) ?? '',
      ]),
      notes: [],
    },
  };
}

/** The storage fork's published per-request figures (its own hardware): a reference, never measured here. */
export const FORK_REFERENCE_MICROS: Record<RequestClass, number> = { ping: 22, short: 32, medium: 139 };

export interface LatencyResult {
  cls: RequestClass;
  label: string;
  summary: LatencySummary;
  /** p50 of each round (one fresh process each) */
  roundP50s: number[];
  usage: ChildUsage[];
}

/** Each class's requests through each program: `count` requests per program, in `rounds` fresh processes. */
export async function latencySamples(
  tools: NativeTools,
  programs: NamedProgram[],
  files: RequestFile[],
  count: number,
  rounds: number,
): Promise<LatencyResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-bench-requests-'));
  chmodSync(dir, 0o755);
  try {
    const results: LatencyResult[] = [];
    for (const f of files) {
      const file = join(dir, `${f.cls}.bin`);
      writeFileSync(file, f.bytes, { mode: 0o644 });
      const acc = programs.map((): { micros: number[]; p50s: number[]; usage: ChildUsage[] } => ({
        micros: [],
        p50s: [],
        usage: [],
      }));
      for (const i of interleave(
        programs.map((_, k) => k),
        rounds,
      )) {
        const r = await nativeLatencies(tools, programs[i].program, file, Math.ceil(count / rounds));
        acc[i].micros.push(...r.micros);
        acc[i].p50s.push(latencySummary(r.micros).p50);
        if (r.usage) acc[i].usage.push(r.usage);
      }
      programs.forEach((p, i) =>
        results.push({
          cls: f.cls,
          label: p.label,
          summary: latencySummary(acc[i].micros),
          roundP50s: acc[i].p50s,
          usage: acc[i].usage,
        }),
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * CPU of the process per request, in µs: `timed` from schedstat over the timed requests only (exact);
 * `user`/`system` from wait4's rusage over its whole life (start-up and warm-up included, tick-sampled).
 */
export function cpuPerRequest(
  usage: ChildUsage[],
): { timed?: number; user: number; system: number } | undefined {
  const requests = usage.reduce((n, u) => n + u.requests, 0);
  if (!requests) return undefined;
  const sum = (f: (u: ChildUsage) => number) => usage.reduce((n, u) => n + f(u), 0);
  const timedRequests = sum((u) => u.timedRequests ?? 0);
  return {
    timed: timedRequests ? sum((u) => u.timedCpuNanos ?? 0) / 1000 / timedRequests : undefined,
    user: sum((u) => u.userMicros) / requests,
    system: sum((u) => u.systemMicros) / requests,
  };
}

/** The latency table: per class the floor first, then each walredo, then the fork's reference row. */
export function latencyTable(
  results: LatencyResult[],
  files: RequestFile[],
  floorLabel: string,
): SectionTable {
  const rows: string[][] = [];
  for (const f of files) {
    const ofClass = results.filter((r) => r.cls === f.cls);
    const floor = ofClass.find((r) => r.label === floorLabel)?.summary.p50;
    for (const r of ofClass) {
      const cpu = cpuPerRequest(r.usage);
      rows.push([
        f.cls,
        r.label,
        formatMicros(r.summary.p50),
        formatMicros(r.summary.p99),
        r.roundP50s.map((x) => x.toFixed(1)).join(', '),
        String(r.summary.n),
        r.label === floorLabel ? 'floor' : timesText(r.summary.p50, floor),
        r.label === floorLabel || floor === undefined ? '' : formatMicros(r.summary.p50 - floor),
        cpu?.timed !== undefined ? formatMicros(cpu.timed) : '',
      ]);
    }
    rows.push([
      f.cls,
      "storage fork's published figure — NOT MEASURED HERE (its own hardware)",
      `≈ ${FORK_REFERENCE_MICROS[f.cls]} µs`,
    ]);
  }
  return {
    title: 'Per-request latency through the native harness (one process)',
    intro: files.map(
      (f) =>
        `${f.cls}: ${f.requests} distinct request(s)${f.recordsPerRequest ? `, ${f.recordsPerRequest.toFixed(1)} records each on average` : ''}, cycled; each timed from the first byte written to the 8192th byte read`,
    ),
    columns: [
      'request',
      'program',
      'p50',
      'p99',
      'p50 of each fresh process (µs)',
      'n',
      'p50 ÷ echo floor',
      'p50 above the floor',
      'process CPU per timed request (schedstat)',
    ],
    rows,
    notes: [],
  };
}

/** `strace -c` output: calls per system call (pure). */
export function parseStraceSummary(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
    if (m && m[2] !== 'total') calls.set(m[2], Number(m[1]));
  }
  return calls;
}

/** System calls of one walredo process over `count` requests of a file, via strace -c (when installed). */
export async function syscallsPerRequest(
  tools: NativeTools,
  walredo: Program,
  file: RequestFile,
  count: number,
): Promise<Map<string, number> | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-bench-strace-'));
  chmodSync(dir, 0o777); // strace runs as uid 65534 and writes its summary here
  try {
    writeFileSync(join(dir, 'req.bin'), file.bytes, { mode: 0o644 });
    const out = join(dir, 'strace.txt');
    const program = { ...walredo, argv: ['/usr/bin/strace', '-c', '-o', out, '--', ...walredo.argv] };
    const r = await nativeLatencies(tools, program, join(dir, 'req.bin'), count);
    const requests = r.usage?.requests ?? count;
    const calls = parseStraceSummary(readFileSync(out, 'utf8'));
    return new Map([...calls].map(([k, v]) => [k, v / requests]));
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
