/**
 * A process in the VM, shaped like the part of Node's ChildProcess a host-side client uses:
 * stdin/stdout/stderr streams, pid, exitCode/signalCode, kill(), and the events 'spawn', 'exit',
 * 'close' (exit seen and both output streams ended) and 'error' (could not start, or the VM stopped).
 */
import { EventEmitter } from 'node:events';
import { Readable, Writable } from 'node:stream';
import { decodeExit, errnoName, FRAME, Frame, signalNumber, STDIN_PIECE } from './protocol';

/** What a child needs from the machine that runs it. */
export interface ChildLink {
  /** sends a frame; `done` once it is handed to the OS (backpressure for stdin) */
  send(type: number, channel: number, payload?: Uint8Array, done?: (e?: Error | null) => void): void;
  /** the child is finished: stop routing its channel */
  release(channel: number): void;
  /** a guest file */
  readFile(path: string): Promise<Buffer>;
}

export class VmChild extends EventEmitter {
  readonly stdin: Writable;
  readonly stdout = new Readable({ read() {} });
  readonly stderr = new Readable({ read() {} });
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private exited = false;
  private readonly ended = new Set<Readable>();
  private closed = false;

  constructor(
    readonly channel: number,
    readonly spawnfile: string,
    private readonly link: ChildLink,
  ) {
    super();
    this.stdin = new Writable({
      writev: (chunks, done) => this.sendStdin(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), done),
      final: (done) => {
        if (!this.exited) this.link.send(FRAME.STDIN_CLOSE, this.channel);
        done();
      },
    });
    this.stdout.on('end', () => this.streamEnded(this.stdout));
    this.stderr.on('end', () => this.streamEnded(this.stderr));
  }

  private sendStdin(data: Buffer, done: (e?: Error | null) => void): void {
    // after the exit the guest has forgotten the channel: the bytes go nowhere, as into a closed pipe
    if (this.exited || this.closed) return done();
    for (let at = 0; at < data.length; at += STDIN_PIECE) {
      const last = at + STDIN_PIECE >= data.length;
      this.link.send(FRAME.STDIN, this.channel, data.subarray(at, at + STDIN_PIECE), last ? done : undefined);
    }
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    if (this.exited || this.closed || this.pid === undefined) return false;
    const n = Buffer.alloc(4);
    n.writeUInt32LE(signalNumber(signal), 0);
    this.link.send(FRAME.KILL, this.channel, n);
    return true;
  }

  /** Its /proc/<pid>/status in the guest (the seccomp mode of a walredo is read from it). */
  async procStatus(): Promise<string> {
    if (this.pid === undefined) throw new Error(`${this.spawnfile} has not started in the VM`);
    return (await this.link.readFile(`/proc/${this.pid}/status`)).toString('utf8');
  }

  /** One frame of this channel from the guest. */
  receive(frame: Frame): void {
    switch (frame.type) {
      case FRAME.STARTED:
        this.pid = frame.payload.readUInt32LE(0);
        this.emit('spawn');
        break;
      case FRAME.SPAWN_ERROR:
        this.spawnFailed(frame.payload);
        break;
      case FRAME.STDOUT:
        this.stdout.push(frame.payload);
        break;
      case FRAME.STDERR:
        this.stderr.push(frame.payload);
        break;
      case FRAME.STDOUT_EOF:
        this.outputEnded(this.stdout);
        break;
      case FRAME.STDERR_EOF:
        this.outputEnded(this.stderr);
        break;
      case FRAME.EXIT: {
        const status = decodeExit(frame.payload);
        this.exited = true;
        this.exitCode = status.code;
        this.signalCode = status.signal;
        this.emit('exit', status.code, status.signal);
        this.maybeClose();
        break;
      }
    }
  }

  private spawnFailed(payload: Buffer): void {
    const code = errnoName(payload.readUInt32LE(0));
    const stage = payload.subarray(8).toString('utf8');
    const e: NodeJS.ErrnoException = new Error(`spawn ${this.spawnfile} ${code} (in the VM, at ${stage})`);
    e.code = code;
    e.syscall = `spawn ${this.spawnfile}`;
    this.fail(e);
  }

  /** The child cannot go on (it never started, or the VM stopped): 'error', then 'close'. */
  fail(e: Error): void {
    if (this.closed) return;
    this.exited = true;
    this.emit('error', e);
    this.stdout.push(null);
    this.stderr.push(null);
    this.closed = true;
    this.link.release(this.channel);
    this.emit('close', this.exitCode, this.signalCode);
  }

  /** A stream someone reads ends when its data is delivered ('end'); one nobody reads, now. */
  private outputEnded(stream: Readable): void {
    stream.push(null);
    if (!stream.readableFlowing) this.streamEnded(stream);
  }

  private streamEnded(stream: Readable): void {
    this.ended.add(stream);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.closed || !this.exited || this.ended.size < 2) return;
    this.closed = true;
    this.link.release(this.channel);
    this.emit('close', this.exitCode, this.signalCode);
  }
}
