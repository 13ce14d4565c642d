import { spawn } from 'node:child_process';
import { quoteForDisplay } from '../util/exec';
import type { WalRedoChild } from '../walredo/client';

/** How a child process ended; never thrown: checks turn it into a verdict. */
export interface ProcessOutcome {
  command: string;
  /** null when killed by a signal or when it could not be started */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string | Buffer;
  /** descriptors the child gets as fd 3, 4, ... (e.g. a seccomp program for bwrap --seccomp 3) */
  extraFds?: number[];
  /** killed (SIGKILL) after this long; default 10 minutes */
  timeoutMs?: number;
  /** starts the process elsewhere (an AArch64 VM's spawn); default node's spawn here */
  start?: (cmd: string, args: readonly string[]) => WalRedoChild;
}

export function succeeded(o: ProcessOutcome): boolean {
  return o.code === 0 && o.signal === null;
}

/** The first `n` non-empty lines of a text, for a report's detail. */
export function firstLines(text: string, n = 5): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '')
    .slice(0, n)
    .join('\n');
}

/** "exited with code 1" / "was killed by SIGKILL" / "could not start: ..." */
export function describeEnd(o: ProcessOutcome): string {
  if (o.signal) return `was killed by ${o.signal}`;
  if (o.code === null) return `could not start: ${firstLines(o.stderr, 1)}`;
  return `exited with code ${o.code}`;
}

/** Runs a process to completion, collecting stdout and stderr separately. */
export function spawnCollect(
  cmd: string,
  args: readonly string[],
  options: SpawnOptions = {},
): Promise<ProcessOutcome> {
  const command = quoteForDisplay(cmd, args);
  return new Promise((resolve) => {
    const child: WalRedoChild = options.start
      ? options.start(cmd, args)
      : spawn(cmd, args, {
          cwd: options.cwd,
          env: options.env ?? process.env,
          stdio: [
            options.input === undefined ? 'ignore' : 'pipe',
            'pipe',
            'pipe',
            ...(options.extraFds ?? []),
          ],
        });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => out.push(d));
    child.stderr?.on('data', (d: Buffer) => err.push(d));
    if (options.input !== undefined) {
      child.stdin?.on('error', () => undefined); // the child may exit before reading everything
      child.stdin?.end(options.input);
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
    let settled = false;
    child.on('error', (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ command, code: null, signal: null, stdout: '', stderr: `${cmd}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        command,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}
