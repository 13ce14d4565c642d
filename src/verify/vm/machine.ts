/**
 * An AArch64 machine for verify on another architecture's host: qemu-system-aarch64 (TCG) boots
 * Debian's arm64 kernel with pgb_vm_init as /init, once; host-side code then starts any number of
 * guest processes through one virtio-serial port (`spawn`, shaped like node's), reads guest files
 * (/proc/<pid>/status) and sees host directories read-only over 9p, at the same paths.
 *
 * Why not qemu-user: a walredo enters a seccomp filter, which qemu-user refuses (EINVAL), and the
 * filter must be checked against the real AArch64 system call table: that needs a real kernel.
 */
import { ChildProcess, spawn as spawnProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UserError } from '../../util/errors';
import { WalRedoSpawn } from '../../walredo/client';
import { BootOptions, initramfsEntries, qemuArgs, VM_TOOLS, VmShare } from './boot';
import { rootSpawnFromBwrap } from './bwrap';
import { VmChild } from './child';
import { cpioArchive } from './cpio';
import { findGuestKernel } from './kernel';
import {
  encodeFrame,
  encodeMount,
  encodeSpawn,
  errnoName,
  Frame,
  FRAME,
  FrameReader,
  MS_RDONLY,
  RootEntry,
} from './protocol';

export interface VmSpawnOptions {
  env?: Record<string, string>;
  /** made in the guest when missing (host scratch directories do not exist there) */
  cwd?: string;
  uid?: number;
  gid?: number;
  /** an empty read-only root of its own with only these entries; default the guest's root */
  root?: readonly RootEntry[];
  /** a classic-BPF seccomp program loaded just before exec (the kernel-floor filter) */
  seccomp?: Buffer;
}

const QEMU = VM_TOOLS.qemuSystem;
/** the unprivileged identity walredo runs as in the guest when the caller names none */
const GUEST_NOBODY = 65534;

export class AArch64Vm {
  private readonly children = new Map<number, VmChild>();
  private readonly replies = new Map<number, (f: Frame) => void>();
  private nextChannel = 1;
  private stopped?: Error;
  /** the guest kernel's release (uname -r) */
  release = '';
  /** from starting qemu to init's READY frame */
  bootMs = 0;

  private constructor(
    private readonly qemu: ChildProcess,
    private readonly socket: Socket,
    private readonly server: Server,
    readonly workDir: string,
    readonly consoleLog: string,
    private readonly ownsWorkDir: boolean,
  ) {}

  /** Boots the machine and mounts the shares; resolves once the guest's init serves requests. */
  static async boot(options: BootOptions): Promise<AArch64Vm> {
    const kernel = findGuestKernel(options.kernelDir);
    const qemuPath = options.qemu ?? QEMU.command;
    const ownsWorkDir = !options.workDir;
    const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'pgb-vm-'));
    mkdirSync(workDir, { recursive: true });
    const consoleLog = options.consoleLog ?? join(workDir, 'console.log');
    const initramfs = join(workDir, 'initramfs.cpio');
    writeFileSync(initramfs, cpioArchive(await initramfsEntries(kernel, workDir, options)));
    const socketPath = join(workDir, 'mux.sock');
    rmSync(socketPath, { force: true });
    const server = createServer();
    const connected = new Promise<Socket>((resolveSocket) => server.once('connection', resolveSocket));
    await new Promise<void>((ok, fail) => server.listen(socketPath, ok).once('error', fail));
    const started = Date.now();
    const qemu = spawnProcess(qemuPath, qemuArgs(kernel, initramfs, socketPath, consoleLog, options), {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let qemuStderr = '';
    qemu.stderr!.on('data', (d: Buffer) => (qemuStderr = (qemuStderr + d.toString()).slice(-4000)));
    const qemuEnded = new Promise<Error>((resolveEnd) => {
      qemu.once('error', (e: NodeJS.ErrnoException) =>
        resolveEnd(
          e.code === 'ENOENT'
            ? new UserError(`${qemuPath} is not installed`, `apt-get install ${QEMU.debianPackage}`)
            : e,
        ),
      );
      qemu.once('exit', (code, signal) =>
        resolveEnd(
          new Error(
            `${QEMU.command} stopped (${signal ?? `exit code ${code}`}): ${qemuStderr.trim().split('\n').pop() ?? ''}; kernel log: ${consoleLog}`,
          ),
        ),
      );
    });
    try {
      const socket = await raceBoot(connected, qemuEnded, options.bootTimeoutMs ?? 180_000, consoleLog);
      const vm = new AArch64Vm(qemu, socket, server, workDir, consoleLog, ownsWorkDir);
      void qemuEnded.then((e) => vm.stop(e));
      const ready = vm.listen();
      vm.release = (await raceBoot(ready, qemuEnded, options.bootTimeoutMs ?? 180_000, consoleLog)).toString(
        'utf8',
      );
      vm.bootMs = Date.now() - started;
      for (const s of options.shares ?? []) await vm.mountShare(s, (options.shares ?? []).indexOf(s));
      return vm;
    } catch (e) {
      qemu.kill('SIGKILL');
      server.close();
      if (ownsWorkDir) rmSync(workDir, { recursive: true, force: true });
      throw e;
    }
  }

  /** Routes the guest's frames; resolves with READY's payload. */
  private listen(): Promise<Buffer> {
    const reader = new FrameReader();
    return new Promise((ready) => {
      this.socket.on('data', (d: Buffer) => {
        for (const f of reader.push(d)) {
          if (f.type === FRAME.READY) ready(f.payload);
          else if (f.type === FRAME.LOG) process.stderr.write(`pgb_vm_init: ${f.payload.toString('utf8')}\n`);
          else if (f.type === FRAME.REPLY) this.replies.get(f.channel)?.(f);
          else this.children.get(f.channel)?.receive(f);
        }
      });
      this.socket.on('error', (e) => this.stop(e));
      this.socket.on('close', () =>
        this.stop(new Error(`the VM's port closed; kernel log: ${this.consoleLog}`)),
      );
    });
  }

  private send(type: number, channel: number, payload?: Uint8Array, done?: (e?: Error | null) => void): void {
    if (this.stopped) {
      done?.(this.stopped);
      return;
    }
    this.socket.write(encodeFrame(type, channel, payload), done);
  }

  /** Starts `cmd` (an absolute guest path) in the guest, like child_process.spawn with piped stdio. */
  spawn(cmd: string, args: readonly string[] = [], options: VmSpawnOptions = {}): VmChild {
    const channel = this.nextChannel++;
    const child = new VmChild(channel, cmd, {
      send: (type, ch, payload, done) => this.send(type, ch, payload, done),
      release: (ch) => this.children.delete(ch),
      readFile: (path) => this.readFile(path),
    });
    if (this.stopped) {
      const e = this.stopped;
      process.nextTick(() => child.fail(e));
      return child;
    }
    this.children.set(channel, child);
    const req = {
      argv: [cmd, ...args],
      env: options.env ?? {},
      cwd: options.cwd ?? '',
      uid: options.uid,
      gid: options.gid,
      root: options.root,
      seccomp: options.seccomp,
    };
    this.send(FRAME.SPAWN, channel, encodeSpawn(req));
    return child;
  }

  /**
   * `spawn` for WalRedoClientOptions: walredo processes of a bundle in a share start in the VM. A
   * bwrap command line (the stage's empty read-only root) is made by the guest's init instead.
   */
  walRedoSpawn(): WalRedoSpawn {
    return (command, args, options) => {
      if (basename(command) !== 'bwrap')
        // the guest's init is root: a caller that is not (no identity asked for) still gets an
        // unprivileged walredo, as postgres insists
        return this.spawn(command, args, {
          ...options,
          uid: options.uid ?? GUEST_NOBODY,
          gid: options.gid ?? GUEST_NOBODY,
        });
      const r = rootSpawnFromBwrap(args);
      return this.spawn(r.command, r.args, {
        env: r.env,
        cwd: r.cwd,
        uid: r.uid ?? GUEST_NOBODY,
        gid: r.gid ?? GUEST_NOBODY,
        root: r.root,
      });
    };
  }

  private request(type: number, payload: Uint8Array): Promise<Frame> {
    const channel = this.nextChannel++;
    return new Promise((resolveReply, reject) => {
      if (this.stopped) return reject(this.stopped);
      this.replies.set(channel, (f) => {
        this.replies.delete(channel);
        resolveReply(f);
      });
      this.send(type, channel, payload);
    });
  }

  /** A guest file's content (up to 256 KiB), e.g. /proc/<pid>/status. */
  async readFile(path: string): Promise<Buffer> {
    const f = await this.request(FRAME.READ_FILE, Buffer.from(path));
    const errno = f.payload.readUInt32LE(0);
    if (errno !== 0) throw new Error(`${path} in the VM: ${errnoName(errno)}`);
    return f.payload.subarray(4);
  }

  private async mountShare(share: VmShare, index: number): Promise<void> {
    const target = share.guestPath ?? resolve(share.hostPath);
    const options = 'trans=virtio,version=9p2000.L,cache=loose,msize=512000';
    const f = await this.request(FRAME.MOUNT, encodeMount(`share${index}`, target, '9p', options, MS_RDONLY));
    const errno = f.payload.readUInt32LE(0);
    if (errno !== 0)
      throw new Error(`mounting ${share.hostPath} at ${target} in the VM failed: ${errnoName(errno)}`);
  }

  /** Every running child fails with `e`; later calls fail at once. */
  private stop(e: Error): void {
    if (this.stopped) return;
    this.stopped = e;
    for (const c of [...this.children.values()]) c.fail(e);
    for (const reply of [...this.replies.values()])
      reply({ type: FRAME.REPLY, channel: 0, payload: errnoPayload(5) });
  }

  /** Powers the guest off (qemu is killed when it does not exit within `timeoutMs`), removes the scratch directory. */
  async shutdown(timeoutMs = 10_000): Promise<void> {
    const exited = new Promise<void>((ok) => {
      if (this.qemu.exitCode !== null || this.qemu.signalCode !== null) ok();
      else this.qemu.once('exit', () => ok());
    });
    if (!this.stopped) this.socket.write(encodeFrame(FRAME.POWEROFF, 0));
    this.stop(new Error('the VM was shut down'));
    const timer = setTimeout(() => this.qemu.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.socket.destroy();
    this.server.close();
    if (this.ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
  }
}

function errnoPayload(errno: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(errno, 0);
  return b;
}

async function raceBoot<T>(
  what: Promise<T>,
  qemuEnded: Promise<Error>,
  timeoutMs: number,
  consoleLog: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`the VM did not boot within ${timeoutMs} ms; kernel log: ${consoleLog}`)),
        timeoutMs,
      )),
  );
  try {
    return await Promise.race([what, qemuEnded.then((e) => Promise.reject(e)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
