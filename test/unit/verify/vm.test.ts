import { EventEmitter } from 'node:events';
import { readOnlyRootArgs } from '../../../src/walredo/suite';
import { rootSpawnFromBwrap } from '../../../src/verify/vm/bwrap';
import { cpioArchive } from '../../../src/verify/vm/cpio';
import { VmChild } from '../../../src/verify/vm/child';
import { moduleDepends, moduleLoadOrder } from '../../../src/verify/vm/kernel';
import {
  decodeExit,
  encodeFrame,
  encodeSpawn,
  FRAME,
  FrameReader,
  signalName,
  signalNumber,
  UNCHANGED_ID,
} from '../../../src/verify/vm/protocol';

describe('frames', () => {
  test('a frame is a 12-byte little-endian header (type, channel, length) and its payload', () => {
    expect(encodeFrame(FRAME.STDIN, 7, Buffer.from('ab')).toString('hex')).toBe(
      '02000000' + '07000000' + '02000000' + '6162',
    );
  });

  test('the reader keeps a partial frame until the rest arrives, byte by byte', () => {
    const bytes = Buffer.concat([
      encodeFrame(FRAME.STDOUT, 1, Buffer.from('hello')),
      encodeFrame(FRAME.STDOUT_EOF, 1),
      encodeFrame(FRAME.EXIT, 2, Buffer.alloc(8)),
    ]);
    const reader = new FrameReader();
    const frames = [...bytes].flatMap((b) => reader.push(Buffer.from([b])));
    expect(frames.map((f) => [f.type, f.channel, f.payload.toString('hex')])).toEqual([
      [FRAME.STDOUT, 1, Buffer.from('hello').toString('hex')],
      [FRAME.STDOUT_EOF, 1, ''],
      [FRAME.EXIT, 2, '0000000000000000'],
    ]);
  });

  test('a spawn carries ids, counts, then cwd, argv, NAME=value and root entries, NUL-terminated', () => {
    const p = encodeSpawn({
      argv: ['/bin/x', '-a'],
      env: { A: '1' },
      cwd: '/w',
      uid: 65534,
      root: [{ kind: 'proc', target: '/proc' }],
    });
    expect(p.readUInt32LE(0)).toBe(65534);
    expect(p.readUInt32LE(4)).toBe(UNCHANGED_ID);
    expect([p.readUInt32LE(8), p.readUInt32LE(12), p.readUInt32LE(16), p.readUInt32LE(20)]).toEqual([
      2, 1, 1, 0,
    ]);
    expect(p.subarray(24).toString()).toBe('/w\0/bin/x\0-a\0A=1\0proc\0proc\0/proc\0');
    expect(() => encodeSpawn({ argv: ['a\0b'], env: {}, cwd: '' })).toThrow(/NUL/);
  });

  test('a seccomp program rides at the end, its length counted (bwrap --seccomp in the guest)', () => {
    const program = Buffer.from([6, 0, 0, 0, 0, 0, 0xff, 0x7f]); // RET ALLOW
    const p = encodeSpawn({ argv: ['/bin/x'], env: {}, cwd: '', seccomp: program });
    expect(p.readUInt32LE(20)).toBe(8);
    expect(p.subarray(p.length - 8)).toEqual(program);
    expect(p.subarray(24, p.length - 8).toString()).toBe('\0/bin/x\0');
    expect(() => encodeSpawn({ argv: ['/bin/x'], env: {}, cwd: '', seccomp: Buffer.alloc(5) })).toThrow(
      /not sock_filter entries/,
    );
  });

  test('an exit is a code, or all ones and the guest signal number', () => {
    const exit = (a: number, b: number) => {
      const p = Buffer.alloc(8);
      p.writeUInt32LE(a, 0);
      p.writeUInt32LE(b, 4);
      return decodeExit(p);
    };
    expect(exit(3, 0)).toEqual({ code: 3, signal: null });
    expect(exit(0xffffffff, 31)).toEqual({ code: null, signal: 'SIGSYS' });
    expect([signalName(9), signalName(11), signalNumber('SIGKILL'), signalNumber('SIGSYS')]).toEqual([
      'SIGKILL',
      'SIGSEGV',
      9,
      31,
    ]);
  });
});

describe("bwrap's arguments as a spawn in the VM", () => {
  test("the walredo stage's empty read-only root becomes root entries, identity, environment and command", () => {
    const args = readOnlyRootArgs('/b/v17', 17, ['--wal-redo']);
    expect(rootSpawnFromBwrap(args)).toEqual({
      command: '/bundle/v17/bin/postgres',
      args: ['--wal-redo'],
      env: { LD_LIBRARY_PATH: '/bundle/v17/lib' },
      cwd: '/',
      uid: 1000,
      gid: 1000,
      root: [
        { kind: 'ro-bind', source: '/b/v17', target: '/bundle/v17' },
        { kind: 'proc', target: '/proc' },
        { kind: 'dev-bind', source: '/dev/null', target: '/dev/null' },
      ],
    });
  });

  test('an option it does not make is refused, not ignored', () => {
    expect(() => rootSpawnFromBwrap(['--bind', '/a', '/a', '--', '/x'])).toThrow(
      /does not know bwrap's --bind/,
    );
    expect(() => rootSpawnFromBwrap(['--unshare-all'])).toThrow(/without "-- <command>"/);
  });
});

describe('initramfs', () => {
  test('newc entries: header, name and data padded to 4 bytes, a trailer last', () => {
    const a = cpioArchive([
      { kind: 'dir', path: '/dev' },
      { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
      { kind: 'file', path: 'init', data: Buffer.from('abc'), mode: 0o755 },
    ]);
    expect(a.length % 4).toBe(0);
    const headers = [...a.toString('latin1').matchAll(/070701([0-9a-f]{104})/g)].map((m) =>
      Array.from({ length: 13 }, (_, i) => parseInt(m[1].slice(i * 8, i * 8 + 8), 16)),
    );
    // mode, file size, rdev major/minor, name size
    expect(headers.map((h) => [h[1].toString(8), h[6], h[9], h[10], h[11]])).toEqual([
      ['40755', 0, 0, 0, 4],
      ['20600', 0, 5, 1, 12],
      ['100755', 3, 0, 0, 5],
      ['0', 0, 0, 0, 11],
    ]);
    expect(a.includes(Buffer.from('init\0\0abc\0'))).toBe(true);
    expect(a.subarray(-16).toString('latin1')).toMatch(/TRAILER!!!\0+$/);
  });
});

describe('kernel modules', () => {
  test('depends= is read from the module info strings', () => {
    expect(moduleDepends(Buffer.from('\0license=GPL\0depends=9pnet,netfs\0name=9p\0'))).toEqual([
      '9pnet',
      'netfs',
    ]);
    expect(moduleDepends(Buffer.from('\0depends=\0name=x\0'))).toEqual([]);
  });

  test('dependencies load first, once; built-in modules are not loaded', () => {
    const files = new Map([
      ['9p', '/m/9p.ko'],
      ['9pnet', '/m/9pnet.ko'],
      ['netfs', '/m/netfs.ko'],
      ['fscache', '/m/fscache.ko'],
      ['virtio_console', '/m/virtio_console.ko'],
    ]);
    const deps: Record<string, string[]> = {
      '/m/9p.ko': ['9pnet', 'fscache', 'netfs'],
      '/m/fscache.ko': ['netfs'],
      '/m/9pnet.ko': [],
      '/m/netfs.ko': [],
      '/m/virtio_console.ko': ['virtio-ring'],
    };
    const order = moduleLoadOrder(['9p', 'virtio-console'], files, new Set(['virtio_ring']), (f) => deps[f]);
    expect(order).toEqual([
      '/m/9pnet.ko',
      '/m/netfs.ko',
      '/m/fscache.ko',
      '/m/9p.ko',
      '/m/virtio_console.ko',
    ]);
    expect(() => moduleLoadOrder(['nope'], files, new Set(), () => [])).toThrow(/no module nope/);
  });
});

describe('a VM child as the walredo client sees it', () => {
  function child() {
    const sent: [number, number][] = [];
    const c = new VmChild(5, '/bin/x', {
      send: (type, channel, _p, done) => (sent.push([type, channel]), done?.()),
      release: () => undefined,
      readFile: () => Promise.resolve(Buffer.from('Seccomp:\t2\n')),
    });
    return { c, sent };
  }
  const frame = (type: number, payload = Buffer.alloc(0)) => ({ type, channel: 5, payload });
  const u32s = (a: number, b: number) => {
    const p = Buffer.alloc(8);
    p.writeUInt32LE(a, 0);
    p.writeUInt32LE(b, 4);
    return p;
  };

  test("'exit' on the exit, 'close' once both outputs ended too, whether read or not", async () => {
    const { c } = child();
    const events: string[] = [];
    c.on('exit', (code) => events.push(`exit ${code}`));
    c.on('close', (code) => events.push(`close ${code}`));
    c.stdout.on('data', (d: Buffer) => events.push(`out ${d}`));
    c.receive(frame(FRAME.STARTED, u32s(42, 0)));
    c.receive(frame(FRAME.STDOUT, Buffer.from('hi')));
    c.receive(frame(FRAME.EXIT, u32s(0, 0)));
    c.receive(frame(FRAME.STDERR_EOF)); // stderr nobody reads
    c.receive(frame(FRAME.STDOUT_EOF));
    await new Promise((resolve) => setImmediate(resolve));
    expect(c.pid).toBe(42);
    // as with node: 'exit' may come before the output is delivered, 'close' never does
    expect(events.slice(-1)).toEqual(['close 0']);
    expect(events.sort()).toEqual(['close 0', 'exit 0', 'out hi']);
    expect(await c.procStatus()).toMatch(/Seccomp/);
  });

  test('stdin goes out as STDIN frames, end() as STDIN_CLOSE; kill sends the guest number', async () => {
    const { c, sent } = child();
    c.receive(frame(FRAME.STARTED, u32s(42, 0)));
    c.stdin.write(Buffer.from('abc'));
    await new Promise<void>((resolve) => c.stdin.end(resolve));
    expect(c.kill('SIGKILL')).toBe(true);
    expect(sent).toEqual([
      [FRAME.STDIN, 5],
      [FRAME.STDIN_CLOSE, 5],
      [FRAME.KILL, 5],
    ]);
  });

  test("a spawn error is an 'error' with the errno's name as code, then 'close'", () => {
    const { c } = child();
    const seen: string[] = [];
    (c as EventEmitter).on('error', (e: NodeJS.ErrnoException) => seen.push(`error ${e.code}`));
    c.on('close', () => seen.push('close'));
    const p = Buffer.concat([u32s(2, 5), Buffer.from('execve')]);
    c.receive(frame(FRAME.SPAWN_ERROR, p));
    expect(seen).toEqual(['error ENOENT', 'close']);
    expect(c.pid).toBeUndefined();
  });
});
