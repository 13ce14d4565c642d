/**
 * The frames the host and the VM's /init (guest/pgb_vm_init.c) exchange over one virtio-serial
 * port (pure): a 12-byte header (type, channel, length: u32 little-endian), then the payload.
 * A channel is one process, or one request (read a file, mount) and its reply.
 */

export const FRAME = {
  // host to guest
  SPAWN: 1,
  STDIN: 2,
  STDIN_CLOSE: 3,
  KILL: 4,
  READ_FILE: 5,
  MOUNT: 6,
  POWEROFF: 7,
  // guest to host
  READY: 64,
  STARTED: 65,
  SPAWN_ERROR: 66,
  STDOUT: 67,
  STDERR: 68,
  STDOUT_EOF: 69,
  STDERR_EOF: 70,
  EXIT: 71,
  REPLY: 72,
  LOG: 73,
} as const;

export const HEADER_SIZE = 12;
/** the guest's largest payload is 16 MiB - 1; stdin is sent in pieces well below it */
export const STDIN_PIECE = 1 << 20;
/** uid or gid left as the guest's init has it (root) */
export const UNCHANGED_ID = 0xffffffff;

export interface Frame {
  type: number;
  channel: number;
  payload: Buffer;
}

export function encodeFrame(type: number, channel: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(type, 0);
  header.writeUInt32LE(channel, 4);
  header.writeUInt32LE(payload.length, 8);
  return Buffer.concat([header, payload]);
}

/** Cuts a byte stream into frames; keeps a partial frame for the next push. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(data: Buffer): Frame[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data;
    const frames: Frame[] = [];
    let at = 0;
    while (this.pending.length - at >= HEADER_SIZE) {
      const length = this.pending.readUInt32LE(at + 8);
      if (this.pending.length - at < HEADER_SIZE + length) break;
      frames.push({
        type: this.pending.readUInt32LE(at),
        channel: this.pending.readUInt32LE(at + 4),
        // a copy: the payload outlives the buffer it was cut from
        payload: Buffer.from(this.pending.subarray(at + HEADER_SIZE, at + HEADER_SIZE + length)),
      });
      at += HEADER_SIZE + length;
    }
    this.pending = this.pending.subarray(at);
    return frames;
  }
}

export interface SpawnRequest {
  argv: readonly string[];
  env: Readonly<Record<string, string>>;
  /** '' for init's own (/); made in the guest when missing */
  cwd: string;
  uid?: number;
  gid?: number;
  /** an empty read-only root of its own with only these entries (as bwrap makes one); none: the guest's */
  root?: readonly RootEntry[];
  /** a classic-BPF seccomp program (struct sock_filter entries) loaded just before exec, as bwrap --seccomp does */
  seccomp?: Buffer;
}

/** What a process's own root holds: a host-side path's view in the guest, read-only or not, or a /proc. */
export type RootEntry =
  { kind: 'ro-bind' | 'dev-bind'; source: string; target: string } | { kind: 'proc'; target: string };

/**
 * SPAWN's payload: uid, gid, argc, envc, root entries, seccomp program bytes (u32), then cwd, argv,
 * NAME=value and each root entry's kind, source and target, NUL-terminated, then the program.
 */
export function encodeSpawn(req: SpawnRequest): Buffer {
  const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
  const root = (req.root ?? []).flatMap((e) => [e.kind, e.kind === 'proc' ? 'proc' : e.source, e.target]);
  const seccomp = req.seccomp ?? Buffer.alloc(0);
  if (seccomp.length % 8 !== 0)
    throw new Error(`a seccomp program of ${seccomp.length} bytes is not sock_filter entries`);
  const counts = Buffer.alloc(24);
  counts.writeUInt32LE(req.uid ?? UNCHANGED_ID, 0);
  counts.writeUInt32LE(req.gid ?? UNCHANGED_ID, 4);
  counts.writeUInt32LE(req.argv.length, 8);
  counts.writeUInt32LE(env.length, 12);
  counts.writeUInt32LE(root.length / 3, 16);
  counts.writeUInt32LE(seccomp.length, 20);
  const strings = [req.cwd, ...req.argv, ...env, ...root];
  for (const s of strings)
    if (s.includes('\0')) throw new Error(`a spawn argument contains a NUL byte: ${JSON.stringify(s)}`);
  return Buffer.concat([counts, Buffer.from(strings.map((s) => `${s}\0`).join('')), seccomp]);
}

/** MOUNT's payload: flags (u32), then source, target, fstype and options, NUL-terminated. */
export function encodeMount(
  source: string,
  target: string,
  fstype: string,
  options: string,
  flags = 0,
): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(flags, 0);
  return Buffer.concat([head, Buffer.from([source, target, fstype, options].map((s) => `${s}\0`).join(''))]);
}

/** mount(2)'s MS_RDONLY */
export const MS_RDONLY = 1;

/**
 * Linux's signal numbers 1..31 on AArch64 (asm-generic; x86-64 numbers them alike). The guest
 * reports numbers: the names are the guest's, whatever the host's own numbering.
 */
const SIGNALS: readonly NodeJS.Signals[] = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

export function signalName(n: number): NodeJS.Signals | undefined {
  return SIGNALS[n - 1];
}

export function signalNumber(name: NodeJS.Signals | number): number {
  if (typeof name === 'number') return name;
  const i = SIGNALS.indexOf(name);
  if (i < 0) throw new Error(`the VM's init cannot send ${name}`);
  return i + 1;
}

export type ExitStatus = { code: number; signal: null } | { code: null; signal: NodeJS.Signals };

/** EXIT's payload: (code, 0) or (0xffffffff, signal number). */
export function decodeExit(payload: Buffer): ExitStatus {
  const code = payload.readUInt32LE(0);
  const signal = payload.readUInt32LE(4);
  if (code !== 0xffffffff) return { code, signal: null };
  return { code: null, signal: signalName(signal) ?? (`SIG${signal}` as NodeJS.Signals) };
}

/** Linux's errno names the guest may report (others by number). */
const ERRNO: Readonly<Record<number, string>> = {
  1: 'EPERM',
  2: 'ENOENT',
  5: 'EIO',
  8: 'ENOEXEC',
  12: 'ENOMEM',
  13: 'EACCES',
  16: 'EBUSY',
  19: 'ENODEV',
  20: 'ENOTDIR',
  21: 'EISDIR',
  22: 'EINVAL',
  24: 'EMFILE',
  30: 'EROFS',
};

export function errnoName(n: number): string {
  return ERRNO[n] ?? `errno ${n}`;
}
