/** The many-processes table: n walredo processes at once, static and dynamic side by side. */
import { NamedProgram } from './native-bench';
import { NativeTools } from './native';
import { formatBytes, SectionTable } from './report';
import { ScaleRun, scaleOnce } from './scale';
import { interleave, summarize } from './stats';

export interface ScaleResult {
  n: number;
  label: string;
  runs: ScaleRun[];
}

/** For each n, `rounds` runs per program, interleaved; a run that throws is kept as its message. */
export async function scaleSamples(
  tools: NativeTools,
  programs: NamedProgram[],
  counts: number[],
  rounds: number,
  requestFile: string,
  onError: (message: string) => void,
): Promise<ScaleResult[]> {
  const results: ScaleResult[] = [];
  for (const n of counts) {
    const acc = programs.map((p) => ({ n, label: p.label, runs: [] as ScaleRun[] }));
    for (const i of interleave(
      programs.map((_, k) => k),
      rounds,
    )) {
      try {
        acc[i].runs.push(await scaleOnce(tools, programs[i].program, n, requestFile));
      } catch (e) {
        onError(`n=${n}, ${programs[i].label}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    results.push(...acc);
  }
  return results;
}

const msRange = (xs: number[]) => {
  const s = summarize(xs);
  return `${s.median.toFixed(0)} ms (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
};
const kib = (k: number) => (k < 0 ? `−${formatBytes(-k * 1024)}` : formatBytes(k * 1024));

/** One row per n and program: medians over the runs, with the range (pure). */
export function scaleRow(r: ScaleResult): string[] {
  const { runs, n } = r;
  if (!runs.length) return [String(n), r.label, 'no run completed'];
  const perProcess = summarize(runs.flatMap((x) => x.privateKiB)).median;
  const totals = runs.map((x) => x.privateKiB.reduce((a, b) => a + b, 0));
  const system = summarize(runs.map((x) => x.systemKiB)).median;
  const sum = (f: (x: ScaleRun) => number) => runs.reduce((a, x) => a + f(x), 0);
  return [
    String(n),
    r.label,
    msRange(runs.map((x) => x.readyMs)),
    `${sum((x) => x.failed)} of ${n * runs.length}`,
    kib(perProcess),
    kib(summarize(totals).median),
    `${kib(system)} (${kib(system / n)} per process)`,
    msRange(runs.map((x) => x.redoMs)),
    `${sum((x) => x.redoFailed)} failed, ${sum((x) => x.redoDiffering)} differing`,
    msRange(runs.map((x) => x.exitMs)),
    String(runs.length),
  ];
}

export function scaleTable(results: ScaleResult[], notes: string[]): SectionTable {
  return {
    title: 'Many walredo processes at once',
    intro: [
      'the native harness spawns n processes back to back (posix_spawn, uid 65534), writes a ping to each at once and polls until every one has answered; then it sends the same redo request (one record onto a pushed page) to each and waits for all pages; then it closes their stdin and reaps them',
      'private memory: RssAnon + RssShmem of each process after its ping (/proc/<pid>/status); the total is their sum, the figure the 1 GiB goal is about',
      'MemAvailable drop: before the spawn minus after all answered, machine-wide (it would include page tables, kernel stacks and pipe buffers, but on a shared machine other work moves it too: a rough cross-check only)',
    ],
    columns: [
      'n',
      'program',
      'spawn → all answered a ping (median, range)',
      'failed',
      'private memory per process (median)',
      'total private memory',
      'MemAvailable drop',
      'one redo request each → all pages back',
      'redo pages',
      'close → all exited',
      'runs',
    ],
    rows: results.map(scaleRow),
    notes,
  };
}
