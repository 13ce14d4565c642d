/**
 * Many walredo processes at once, through the native harness's `scale` mode: n processes spawned
 * back to back, each sent a ping at once; the time until all have answered; each process's private
 * memory (RssAnon + RssShmem) and the system's MemAvailable before and after; then one redo
 * request to each, and the time until all pages are back.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { NativeTools, Program } from './native';
import { privateKiB } from './walredo';

export interface ScaleRun {
  n: number;
  /** spawn of the first → the last ping answered, ms */
  readyMs: number;
  failed: number;
  /** RssAnon + RssShmem of each process after its ping, KiB */
  privateKiB: number[];
  /** MemAvailable before the spawn minus after all answered, KiB */
  systemKiB: number;
  /** one redo request sent to each → all pages back, ms */
  redoMs: number;
  redoFailed: number;
  /** pages that differ from the first process's page (all were sent the same request) */
  redoDiffering: number;
  /** closing stdin → all exited, ms */
  exitMs: number;
  unclean: number;
}

/** MemAvailable of /proc/meminfo text, in KiB (pure). */
export function parseMemAvailableKiB(meminfo: string): number {
  const m = /^MemAvailable:\s+(\d+)\s+kB$/m.exec(meminfo);
  if (!m) throw new Error('no MemAvailable in /proc/meminfo');
  return Number(m[1]);
}

const memAvailable = () => parseMemAvailableKiB(readFileSync('/proc/meminfo', 'utf8'));

function privateOf(pid: number): number | undefined {
  try {
    return privateKiB(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** "<word> <int> <int>...", checked for the expected word (pure). */
export function parseHarnessLine(line: string, word: string): number[] {
  const [w, ...rest] = line.trim().split(/\s+/);
  if (w !== word) throw new Error(`harness said '${line}', expected '${word} ...'`);
  return rest.map(Number);
}

/** One run with n processes of `program`; `requestFile` holds the redo request sent to each. */
export async function scaleOnce(
  tools: NativeTools,
  program: Program,
  n: number,
  requestFile: string,
): Promise<ScaleRun> {
  const before = memAvailable();
  const child = spawn(tools.harness, ['scale', String(n), requestFile, ...program.argv], {
    env: program.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (word: string) => {
    const r = await lines.next();
    if (r.done) throw new Error(`harness scale ended before '${word}': ${stderr.trim()}`);
    return parseHarnessLine(r.value, word);
  };
  try {
    const [readyNs, failed] = await next('ready');
    const pids = await next('pids');
    const systemKiB = before - memAvailable();
    const priv = pids.map(privateOf).filter((k): k is number => k !== undefined);
    child.stdin.write('\n');
    const [redoNs, redoFailed, redoDiffering] = await next('redo');
    child.stdin.write('\n');
    const [exitNs, unclean] = await next('exit');
    return {
      n,
      readyMs: readyNs / 1e6,
      failed,
      privateKiB: priv,
      systemKiB,
      redoMs: redoNs / 1e6,
      redoFailed,
      redoDiffering,
      exitMs: exitNs / 1e6,
      unclean,
    };
  } finally {
    child.stdin.end();
    if (child.exitCode === null) await new Promise((r) => child.on('close', r));
  }
}
