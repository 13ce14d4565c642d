/**
 * A client for `postgres --wal-redo`: spawns the process with a cleared environment, writes
 * framed requests to stdin (pipelined: any number may be in flight) and matches 8192-byte
 * responses on stdout to requests in order. Any failure kills the process and fails every
 * pending request with a typed error.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { encodeRedoRequest, getPage, ping, RedoRequest, RESPONSE_SIZE } from './protocol';
import { BufferTag } from './protocol';
import { Fifo } from '../util/fifo';
import { ByteQueue } from './byte-queue';

export class WalRedoError extends Error {
  constructor(
    message: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n--- walredo stderr (last lines) ---\n${stderrTail}` : message);
    this.name = new.target.name;
  }
}

/** The process exited (or could not start). */
export class WalRedoExited extends WalRedoError {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    stderrTail: string,
    detail = '',
  ) {
    super(
      `the walredo process ${signal ? `was killed by ${signal}` : `exited with code ${exitCode}`}${detail ? ` (${detail})` : ''}`,
      stderrTail,
    );
  }
}

/** A request got no complete response in time; the process was killed. */
export class WalRedoTimeout extends WalRedoError {
  constructor(
    readonly timeoutMs: number,
    stderrTail: string,
  ) {
    super(`the walredo process did not answer within ${timeoutMs} ms and was killed`, stderrTail);
  }
}

/** The process wrote something the protocol does not allow (e.g. output nobody asked for). */
export class WalRedoProtocolError extends WalRedoError {}

export interface WalRedoClientOptions {
  /** Arguments after the executable; default ["--wal-redo"]. */
  args?: string[];
  /** Environment of the process; default {} (the storage service clears it). */
  env?: Record<string, string>;
  /** Per-request timeout; default 60 s as in the storage service. */
  timeoutMs?: number;
  /** Bytes of stderr kept for error messages. */
  stderrKeep?: number;
  /** Working directory of the process; default this process's. */
  cwd?: string;
  /** Run as this uid/gid (postgres refuses to run as root; the storage service is unprivileged). */
  uid?: number;
  gid?: number;
  /** Starts the process; default node's spawn with piped stdio (src/verify/vm runs it in a VM instead). */
  spawn?: WalRedoSpawn;
}

/** The part of node's ChildProcess the client uses. */
export interface WalRedoChild {
  readonly pid?: number;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  on(event: 'close' | 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (e: Error) => void): this;
  kill(signal?: NodeJS.Signals | number): boolean;
  /** its /proc/<pid>/status where it runs (a VM's); absent: this machine's /proc */
  procStatus?(): Promise<string>;
}

export type WalRedoSpawn = (
  command: string,
  args: string[],
  options: { env: Record<string, string>; cwd?: string; uid?: number; gid?: number },
) => WalRedoChild;

const spawnHere: WalRedoSpawn = (command, args, options) =>
  spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });

/** Default identity: unprivileged "nobody" when this process runs as root, else unchanged. */
export function defaultIdentity(): { uid?: number; gid?: number } {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
}

interface Pending {
  resolve: (page: Buffer) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class WalRedoClient {
  private readonly child: WalRedoChild;
  /** requests sent and not answered yet, oldest first (a burst: thousands) */
  private readonly pending = new Fifo<Pending>();
  private readonly out = new ByteQueue();
  private stderrBuf = '';
  private failure?: WalRedoError;
  private exitInfo?: ExitInfo;
  private closing = false;
  private readonly exited: Promise<ExitInfo>;
  /** resolves on 'close': stdout and stderr are drained */
  private readonly drained: Promise<void>;
  readonly timeoutMs: number;
  private readonly stderrKeep: number;

  constructor(
    readonly postgresPath: string,
    options: WalRedoClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 60000;
    this.stderrKeep = options.stderrKeep ?? 16384;
    this.child = (options.spawn ?? spawnHere)(postgresPath, options.args ?? ['--wal-redo'], {
      env: options.env ?? {},
      cwd: options.cwd,
      uid: options.uid,
      gid: options.gid,
    });
    this.drained = new Promise((resolve) => this.child.on('close', () => resolve()));
    this.exited = new Promise((resolve) => {
      // 'close' comes after stdout and stderr are drained; a grandchild holding the pipes could
      // delay it forever, so 'exit' fails pending requests a moment later in any case
      const exited = (code: number | null, signal: NodeJS.Signals | null) => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      };
      this.child.on('close', (code, signal) => {
        exited(code, signal);
        this.fail(new WalRedoExited(code, signal, this.stderrTail()));
      });
      this.child.on('exit', (code, signal) => {
        exited(code, signal);
        setTimeout(() => this.fail(new WalRedoExited(code, signal, this.stderrTail())), 200).unref();
      });
      this.child.on('error', (e: Error & { code?: string }) => {
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
        this.fail(
          new WalRedoExited(
            null,
            null,
            this.stderrTail(),
            `could not start ${postgresPath}: ${e.code ?? e.message}`,
          ),
        );
      });
    });
    this.child.stdout!.on('data', (d: Buffer) => this.onStdout(d));
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderrBuf = (this.stderrBuf + d.toString('utf8')).slice(-this.stderrKeep);
    });
    this.child.stdin!.on('error', () => {
      /* EPIPE: the exit handler reports the failure */
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The process's /proc/<pid>/status, where it runs. */
  async procStatus(): Promise<string> {
    if (this.child.procStatus) return this.child.procStatus();
    if (this.child.pid === undefined) throw new Error('the walredo process has no pid');
    return readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
  }

  stderrTail(lines = 30): string {
    return this.stderrBuf.split('\n').slice(-lines).join('\n').trim();
  }

  /** The full stderr kept so far (up to stderrKeep bytes). */
  stderr(): string {
    return this.stderrBuf;
  }

  private onStdout(d: Buffer): void {
    this.out.push(d);
    while (this.out.length >= RESPONSE_SIZE) {
      const page = this.out.take(RESPONSE_SIZE);
      const p = this.pending.shift();
      if (!p) {
        this.fail(
          new WalRedoProtocolError(
            'the walredo process wrote a response nobody asked for',
            this.stderrTail(),
          ),
        );
        return;
      }
      clearTimeout(p.timer);
      p.resolve(page);
    }
  }

  private fail(e: WalRedoError): void {
    if (!this.failure) this.failure = e;
    if (this.pending.length === 0 && e instanceof WalRedoExited && this.closing) return;
    this.kill();
    for (const p of this.pending.drain()) {
      clearTimeout(p.timer);
      p.reject(this.failure);
    }
  }

  /** Writes raw bytes (for protocol tests); no response is expected. */
  writeRaw(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    this.child.stdin!.write(bytes);
  }

  /** Writes bytes and expects `responses` pages back, in order. */
  send(bytes: Uint8Array, responses = 1): Promise<Buffer>[] {
    const promises: Promise<Buffer>[] = [];
    for (let i = 0; i < responses; i++) {
      promises.push(
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          const timer = setTimeout(
            () => this.fail(new WalRedoTimeout(this.timeoutMs, this.stderrTail())),
            this.timeoutMs,
          );
          this.pending.push({ resolve, reject, timer });
        }),
      );
    }
    if (!this.failure) this.child.stdin!.write(bytes);
    return promises;
  }

  ping(): Promise<Buffer> {
    return this.send(ping())[0];
  }

  getPage(tag: BufferTag): Promise<Buffer> {
    return this.send(getPage(tag))[0];
  }

  /** One redo request (B, P?, A..., G); resolves with the page. Can be called again before it resolves. */
  redo(req: RedoRequest): Promise<Buffer> {
    return this.send(encodeRedoRequest(req))[0];
  }

  /** Ends the input without waiting. */
  closeStdin(): void {
    this.closing = true;
    this.child.stdin!.end();
  }

  /** Closes stdin (end of requests) and waits for the exit, killing the process after `timeoutMs`. */
  async close(timeoutMs = this.timeoutMs): Promise<ExitInfo & { timedOut: boolean }> {
    this.closing = true;
    this.child.stdin!.end();
    return this.waitExit(timeoutMs);
  }

  /** Waits for the process to exit; kills it (and reports timedOut) when it does not within `timeoutMs`. */
  async waitExit(timeoutMs: number): Promise<ExitInfo & { timedOut: boolean }> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.kill();
      await this.exited;
    }
    // what it wrote last (its error message) may still be in the pipe when 'exit' comes: wait for
    // 'close' (stderr drained), a little while at most, as a grandchild could hold the pipe open
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([this.drained, new Promise<void>((resolve) => (grace = setTimeout(resolve, 1000)))]);
    clearTimeout(grace);
    return { ...this.exitInfo!, timedOut };
  }

  kill(): void {
    if (!this.exitInfo && this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGKILL');
  }

  hasExited(): boolean {
    return this.exitInfo !== undefined;
  }
}
