/**
 * A function-level profile of walredo on the request files: `perf record -e cpu-clock:u` (a
 * software clock: this VM gives perf no hardware counters) with DWARF call graphs, on a bundle
 * built with `--keep-debug` (the shipped bundles are stripped). perf runs as the harness's child,
 * as uid 65534, so only user time is sampled. Self and inclusive shares of the samples per function.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NativeTools, runHarness } from './native';
import { walredoProgram } from './native-bench';
import { RequestFile } from './request-file';
import { SectionTable } from './report';

export interface PerfLine {
  /** inclusive share (with --children), else undefined */
  children?: number;
  self: number;
  symbol: string;
}

/** Lines of `perf report --stdio --sort sym` (with or without --children) (pure). */
export function parsePerfReport(text: string): PerfLine[] {
  const lines: PerfLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([\d.]+)%\s+(?:([\d.]+)%\s+)?\[\.\]\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const [a, b] = [Number(m[1]), m[2] === undefined ? undefined : Number(m[2])];
    lines.push(b === undefined ? { self: a, symbol: m[3] } : { children: a, self: b, symbol: m[3] });
  }
  return lines;
}

/** <out>/vNN copied with the debug files of <out>/debug/vNN beside the binaries they belong to. */
function debugCopy(outDir: string, major: number, dir: string): string {
  const v = join(dir, `v${major}`);
  cpSync(join(outDir, `v${major}`), v, { recursive: true, verbatimSymlinks: true });
  const debug = join(outDir, 'debug', `v${major}`);
  for (const f of readdirSync(debug)) {
    const target = f.endsWith('.so.debug') ? join(v, 'lib', 'postgresql') : join(v, 'bin');
    if (existsSync(target)) cpSync(join(debug, f), join(target, f));
  }
  return v;
}

async function recordAndReport(tools: NativeTools, v: string, dir: string, file: RequestFile, count: number) {
  const requests = join(dir, `${file.cls}.bin`);
  const data = join(dir, `${file.cls}.perf`);
  writeFileSync(requests, file.bytes, { mode: 0o644 });
  const walredo = walredoProgram(v);
  const perf = ['perf', 'record', '-q', '-e', 'cpu-clock:u', '-F', '20000', '--call-graph', 'dwarf,16384'];
  await runHarness(tools, ['latency', String(count), requests], {
    ...walredo,
    argv: ['/usr/bin/perf', ...perf.slice(1), '-o', data, '--', ...walredo.argv],
  });
  const report = (extra: string[]) =>
    promisify(execFile)('perf', ['report', '-f', '-i', data, '--sort', 'sym', '--stdio', ...extra], {
      maxBuffer: 64 << 20,
    }).then((r) => parsePerfReport(r.stdout));
  return { self: await report(['--no-children']), children: await report(['--children', '-g', 'none']) };
}

/** Top functions per request class: self share and inclusive share of the user-time samples. */
export async function perfProfileSection(
  tools: NativeTools,
  debugOutDir: string,
  major: number,
  files: RequestFile[],
  count = 10000,
): Promise<SectionTable> {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-bench-perf-'));
  chmodSync(dir, 0o777); // perf writes its data file as uid 65534
  try {
    const v = debugCopy(debugOutDir, major, dir);
    const rows: string[][] = [];
    for (const f of files.filter((x) => x.cls !== 'ping')) {
      const r = await recordAndReport(tools, v, dir, f, count);
      const top = (xs: PerfLine[], pick: (l: PerfLine) => number, n: number) =>
        xs
          .slice(0, n)
          .map((l) => `${l.symbol} ${pick(l).toFixed(1)}%`)
          .join(', ');
      const inclusive = r.children.filter(
        (l) => !/^(_start|main|__libc|_dl_|__wrap_GucInfoMain)/.test(l.symbol),
      );
      rows.push([f.cls, top(r.self, (l) => l.self, 10), top(inclusive, (l) => l.children ?? 0, 12)]);
    }
    return {
      title: `Function-level profile of walredo (${debugOutDir}, built with --keep-debug)`,
      intro: [
        `perf record -e cpu-clock:u -F 20000 --call-graph dwarf through the native harness, ${count} requests per class (user time only: perf runs unprivileged); perf report --sort sym`,
      ],
      columns: ['request', 'self time, top 10 (% of samples)', 'inclusive, top 12 (% of samples)'],
      rows,
      notes: [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
