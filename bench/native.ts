/**
 * The native harness and the floor programs of bench/native/*.c, compiled with `gcc -static` at
 * run time into a cache directory keyed by the sources' hash (never committed as binaries), and
 * runs of the harness. Static so that a bundle's LD_LIBRARY_PATH cannot change how they load.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const PROGRAMS = ['harness', 'echo', 'hello'] as const;
export type NativeProgram = (typeof PROGRAMS)[number];
export type NativeTools = Record<NativeProgram, string>;

const sourceOf = (p: NativeProgram) => join(__dirname, 'native', `${p}.c`);

/** Compiles what is missing; the directory and programs are world-readable (walredo runs as 65534). */
export async function buildNativeTools(
  baseDir = join(tmpdir(), 'pg-bundle-bench', 'native'),
): Promise<NativeTools> {
  const hash = createHash('sha256');
  for (const p of PROGRAMS) hash.update(readFileSync(sourceOf(p)));
  const dir = join(baseDir, hash.digest('hex').slice(0, 16));
  mkdirSync(dir, { recursive: true });
  for (const d of [join(baseDir, '..'), baseDir, dir]) chmodSync(d, 0o755);
  const tools = {} as NativeTools;
  for (const p of PROGRAMS) {
    tools[p] = join(dir, p);
    if (existsSync(tools[p])) continue;
    const tmp = `${tools[p]}.${process.pid}`;
    await promisify(execFile)('gcc', ['-O2', '-static', '-Wall', '-o', tmp, sourceOf(p)]);
    chmodSync(tmp, 0o755);
    renameSync(tmp, tools[p]);
  }
  return tools;
}

/** What the harness starts: the program, its arguments and its whole environment. */
export interface Program {
  argv: string[];
  env: Record<string, string>;
}

/** A harness run to its end: its stdout, or an error with its stderr. */
export function runHarness(tools: NativeTools, args: string[], program: Program): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tools.harness, [...args, ...program.argv], {
      env: program.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`harness ${args[0]} exited ${code}: ${err.trim()}`)),
    );
  });
}

/** The harness's bare nanosecond lines, in microseconds; its rusage, cpu and faults lines are skipped (pure). */
export function parseNanosLines(text: string): number[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !/^(rusage|cpu|faults) /.test(l))
    .map((l) => {
      const n = Number(l);
      if (!Number.isInteger(n) || n < 0) throw new Error(`harness printed '${l}', not nanoseconds`);
      return n / 1000;
    });
}

/** Minor page faults per start from the harness's "faults <runs> <total>" line (pure). */
export function parseFaultsLine(text: string): number | undefined {
  const m = /^faults (\d+) (\d+)$/m.exec(text);
  return m && Number(m[1]) > 0 ? Number(m[2]) / Number(m[1]) : undefined;
}

/** spawn → first ping answered ('ping') or → exit ('exit'), `runs` times, in µs; and faults per start. */
export async function nativeColdStarts(
  tools: NativeTools,
  program: Program,
  runs: number,
  until: 'ping' | 'exit',
): Promise<{ micros: number[]; faults?: number }> {
  const out = await runHarness(tools, ['cold', String(runs), until], program);
  return { micros: parseNanosLines(out), faults: parseFaultsLine(out) };
}

/** The walredo process's own resource use over its whole life, from wait4. */
export interface ChildUsage {
  requests: number;
  userMicros: number;
  systemMicros: number;
  voluntarySwitches: number;
  involuntarySwitches: number;
  minorFaults: number;
  /** time on a CPU during the timed requests only, from /proc/<pid>/schedstat (exact, not tick-sampled) */
  timedCpuNanos?: number;
  timedRequests?: number;
}

/** The harness's "rusage ..." line (pure). */
export function parseUsageLine(text: string): ChildUsage | undefined {
  const m = /^rusage (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/m.exec(text);
  if (!m) return undefined;
  const [requests, userMicros, systemMicros, voluntarySwitches, involuntarySwitches, minorFaults] = m
    .slice(1)
    .map(Number);
  const cpu = /^cpu (\d+) (\d+)$/m.exec(text);
  return {
    requests,
    userMicros,
    systemMicros,
    voluntarySwitches,
    involuntarySwitches,
    minorFaults,
    ...(cpu ? { timedRequests: Number(cpu[1]), timedCpuNanos: Number(cpu[2]) } : {}),
  };
}

/** Per-request latency in µs: `count` requests of the file through one process; and its usage. */
export async function nativeLatencies(
  tools: NativeTools,
  program: Program,
  requestFile: string,
  count: number,
): Promise<{ micros: number[]; usage?: ChildUsage }> {
  const out = await runHarness(tools, ['latency', String(count), requestFile], program);
  return { micros: parseNanosLines(out), usage: parseUsageLine(out) };
}
