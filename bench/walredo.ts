/**
 * walredo measurements: cold start (spawn → first ping answered), throughput on the conformance
 * corpus (one process, pipelined) and the process's memory (VmHWM, and RssAnon + RssShmem, at the
 * first ping and after the corpus).
 * The process is started the way the storage service starts it: `postgres --wal-redo
 * --tenant-shard-id <id>`, environment cleared except LD_LIBRARY_PATH=<vNN>/lib, as an
 * unprivileged user (the client's uid/gid spawn option: no extra exec in the measured time).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { RedoVector } from '../src/walredo/corpus/vectors';
import { defaultIdentity, WalRedoClient } from '../src/walredo/client';
import { encodeRedoRequest, ping, RESPONSE_SIZE } from '../src/walredo/protocol';
import { judgeVector } from '../src/walredo/suite/run-vectors';

export const WALREDO_ARGS = ['--wal-redo', '--tenant-shard-id', '00000000000000000000000000000000'];

export function startWalRedo(bundleDir: string): WalRedoClient {
  return new WalRedoClient(join(bundleDir, 'bin', 'postgres'), {
    args: WALREDO_ARGS,
    env: { LD_LIBRARY_PATH: join(bundleDir, 'lib') },
    timeoutMs: 60_000,
    ...defaultIdentity(),
  });
}

/** A "<Field>:  <n> kB" line of /proc/<pid>/status, in KiB (pure). */
export function parseProcStatusKiB(
  status: string,
  field: 'VmHWM' | 'RssAnon' | 'RssFile' | 'RssShmem',
): number | undefined {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return m ? Number(m[1]) : undefined;
}

/**
 * The process's peak resident set (VmHWM) and its private memory now (RssAnon + RssShmem: its heap
 * and stacks, and the shared memory segment only it uses). VmHWM also counts the executable's file
 * pages, which are page cache shared by every walredo process, and how many of them a process maps
 * depends on the page cache's folio sizes, not only on the program; the private part is what each
 * extra process costs.
 */
export interface ProcessMemory {
  peakKiB?: number;
  privateKiB?: number;
}

/** RssAnon + RssShmem of /proc/<pid>/status (pure). */
export function privateKiB(status: string): number | undefined {
  const anon = parseProcStatusKiB(status, 'RssAnon');
  const shmem = parseProcStatusKiB(status, 'RssShmem');
  return anon === undefined || shmem === undefined ? undefined : anon + shmem;
}

function processMemory(pid: number | undefined): ProcessMemory {
  if (pid === undefined) return {};
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { peakKiB: parseProcStatusKiB(status, 'VmHWM'), privateKiB: privateKiB(status) };
  } catch {
    return {};
  }
}

/** utime + stime (fields 14 and 15, in clock ticks) from the text of /proc/<pid>/stat (pure). */
export function parseProcStatCpuTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(')'); // the command name may contain spaces and parentheses
  if (close < 0) return undefined;
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/); // fields[0] is field 3 (state)
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** CPU seconds the process has used so far (user + system), assuming USER_HZ = 100 as on every Linux/x86_64. */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const ticks = parseProcStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks === undefined ? undefined : ticks / 100;
  } catch {
    return undefined;
  }
}

/** Whether this bundle's postgres answers a ping in walredo mode; the reason when it does not. */
export async function probeWalRedo(bundleDir: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const c = startWalRedo(bundleDir);
  try {
    await c.ping();
    await c.close(10_000);
    return { ok: true };
  } catch (e) {
    c.kill();
    const first = (c.stderrTail(5) || (e as Error).message).split('\n')[0];
    return { ok: false, reason: first };
  }
}

/** One cold start: spawn → first ping answered, in milliseconds. Also the idle process's memory. */
export async function coldStartOnce(bundleDir: string): Promise<{ ms: number } & ProcessMemory> {
  const t0 = process.hrtime.bigint();
  const c = startWalRedo(bundleDir);
  try {
    await c.ping();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const memory = processMemory(c.pid);
    const end = await c.close(10_000);
    if (end.code !== 0) throw new Error(`walredo exited with ${end.code ?? end.signal} after stdin closed`);
    return { ms, ...memory };
  } finally {
    c.kill();
  }
}

export interface PreparedRequests {
  requests: Buffer[];
  vectors: RedoVector[];
  records: number;
}

export function prepareRequests(vectors: RedoVector[]): PreparedRequests {
  return {
    vectors,
    requests: vectors.map((v) => encodeRedoRequest(v)),
    records: vectors.reduce((n, v) => n + v.records.length, 0),
  };
}

export interface ThroughputRun extends ProcessMemory {
  seconds: number;
  recordsPerSec: number;
  pagesPerSec: number;
  /** CPU time of the walredo process during the timed part, per request, in µs */
  cpuMicrosPerRequest?: number;
  /** vectors whose page did not match after masking (checked after the timed part) */
  mismatches: number;
}

/**
 * All requests through one fresh process, streamed: the requests are written as fast as the pipe
 * takes them while the pages are read as they come, so the walredo process, not the caller, sets
 * the pace (the TypeScript client's per-request promises cap at a few thousand requests per second).
 * Timed from the first write to the last page byte; pages are checked after the timed part.
 */
export async function throughputOnce(bundleDir: string, prepared: PreparedRequests): Promise<ThroughputRun> {
  const postgres = join(bundleDir, 'bin', 'postgres');
  const child = spawn(postgres, WALREDO_ARGS, {
    env: { LD_LIBRARY_PATH: join(bundleDir, 'lib') },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...defaultIdentity(),
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.stdin.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const expected = (prepared.requests.length + 1) * RESPONSE_SIZE; // + the ping's answer
  const chunks: Buffer[] = [];
  let received = 0;
  let t0 = 0n;
  let cpu0: number | undefined;
  const done = new Promise<bigint>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      const before = received;
      chunks.push(d);
      received += d.length;
      if (before < RESPONSE_SIZE && received >= RESPONSE_SIZE) {
        // the ping is answered: start-up is over, start the clock and stream the corpus
        cpu0 = cpuSeconds(child.pid);
        t0 = process.hrtime.bigint();
        void writeAll(child.stdin, prepared.requests);
      }
      if (received >= expected) resolve(process.hrtime.bigint());
    });
    void exited.then((code) =>
      reject(
        new Error(
          `walredo exited (${code}) after ${received} of ${expected} bytes: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
        ),
      ),
    );
  });
  try {
    child.stdin.write(ping());
    const t1 = await done;
    const seconds = Number(t1 - t0) / 1e9;
    const memory = processMemory(child.pid);
    const cpu1 = cpuSeconds(child.pid);
    child.stdin.end();
    await exited;
    const all = Buffer.concat(chunks);
    let mismatches = 0;
    for (let i = 0; i < prepared.vectors.length; i++) {
      const page = all.subarray((i + 1) * RESPONSE_SIZE, (i + 2) * RESPONSE_SIZE);
      if (judgeVector(prepared.vectors[i], page)) mismatches++;
    }
    return {
      seconds,
      recordsPerSec: prepared.records / seconds,
      pagesPerSec: prepared.requests.length / seconds,
      ...memory,
      cpuMicrosPerRequest:
        cpu0 !== undefined && cpu1 !== undefined
          ? ((cpu1 - cpu0) * 1e6) / prepared.requests.length
          : undefined,
      mismatches,
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

async function writeAll(stream: Writable, buffers: Buffer[]): Promise<void> {
  for (const b of buffers) {
    if (!stream.write(b)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
  }
}

/** The spawn path's own cost: /bin/true started the same way (uid, cleared environment), spawn → exit, in ms. */
export function spawnBaselineOnce(): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/bin/true', [], { env: {}, stdio: ['pipe', 'pipe', 'pipe'], ...defaultIdentity() });
    child.on('error', reject);
    child.on('close', () => resolve(Number(process.hrtime.bigint() - t0) / 1e6));
  });
}
