import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CommandError } from './errors';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Full output (stdout and stderr) is appended here; the error shows only the tail. */
  logFile?: string;
  /** Lines of output shown in the error when the command fails. */
  tailLines?: number;
  input?: string | Buffer;
  /** Called with each chunk of output, e.g. to show progress. */
  onOutput?: (chunk: string) => void;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

export function quoteForDisplay(cmd: string, args: readonly string[]): string {
  return [cmd, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}

/** Keeps the last `max` lines of a stream of text. */
export class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max: number) {}
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-this.max).join('\n');
  }
}

/**
 * Runs a command to completion. Output is captured (and kept in full in `logFile` when given);
 * a non-zero exit raises CommandError with the tail of the output.
 */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const display = quoteForDisplay(cmd, args);
  return new Promise((resolve, reject) => {
    let log: ReturnType<typeof createWriteStream> | undefined;
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      log = createWriteStream(options.logFile, { flags: 'a' });
      log.write(`$ ${display}\n`);
    }
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const tail = new TailBuffer(options.tailLines ?? 200);
    const keepAll = !options.logFile;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const onData = (sink: Buffer[]) => (data: Buffer) => {
      if (keepAll || sink === out) sink.push(data);
      const text = data.toString('utf8');
      tail.push(text);
      log?.write(data);
      options.onOutput?.(text);
    };
    child.stdout?.on('data', onData(out));
    child.stderr?.on('data', onData(err));
    if (options.input !== undefined) child.stdin?.end(options.input);
    child.on('error', (e: NodeJS.ErrnoException) => {
      log?.end();
      if (e.code === 'ENOENT') {
        reject(new CommandError(display, null, null, `${cmd}: command not found`, options.logFile));
      } else reject(e);
    });
    child.on('close', (code, signal) => {
      const finish = () => {
        if (code === 0) {
          resolve({
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8'),
          });
        } else {
          reject(new CommandError(display, code, signal, tail.text(), options.logFile));
        }
      };
      if (log) log.end(finish);
      else finish();
    });
  });
}

/** Runs a command and returns its trimmed standard output. */
export async function capture(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  return (await run(cmd, args, options)).stdout.trim();
}

/** True when `cmd` can be started (it is on PATH or is a path to an executable). */
export async function commandExists(cmd: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v "$1" >/dev/null`, 'sh', cmd]);
    return true;
  } catch {
    return false;
  }
}
