/**
 * The AArch64 VM runner (src/verify/vm): one qemu-system-aarch64 machine booting Debian's arm64
 * kernel, processes started in it through the virtio-serial multiplexer. Static AArch64 programs
 * round-trip binary data, report exits, signals and spawn errors, and a seccomp filter traps a
 * forbidden call under a real kernel (what qemu-user cannot do). With PG_BUNDLE_E2E_ARM_BUNDLE (an
 * aarch64 bundle's out directory) also its `postgres --wal-redo`, through WalRedoClient.
 *
 * The kernel: PG_BUNDLE_E2E_VM_KERNEL (an unpacked linux-image-*-arm64 package), else Debian's
 * current one, downloaded with apt into the cache directory once.
 */
import { kernelFloorFilter, kernelFloorProgram } from '../../src/verify/kernel-floor';
import { platformById } from '../../src/core/platform';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultCacheDir } from '../../src/source/cache';
import { run } from '../../src/util/exec';
import { VmChild } from '../../src/verify/vm/child';
import { provisionGuestKernel } from '../../src/verify/vm/kernel';
import { AArch64Vm } from '../../src/verify/vm/machine';
import { WalRedoClient } from '../../src/walredo/client';
import { DEFAULT_TENANT_SHARD_ID, runWalRedoStage, walRedoPaths } from '../../src/walredo/suite';
import { measureSandbox } from '../../src/walredo/suite/sandbox';

jest.setTimeout(300_000);

const ARM_BUNDLE = process.env.PG_BUNDLE_E2E_ARM_BUNDLE ?? '';
const ARM_VERSION = Number(process.env.PG_BUNDLE_E2E_VERSION ?? '17');
/** openat's number in AArch64's system call table (x86-64: 257) */
const AARCH64_OPENAT = 56;
const PROBE = '/bin/vm_probe';

let vm: AArch64Vm;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'pgb-vm-test-'));
  const kernelDir =
    process.env.PG_BUNDLE_E2E_VM_KERNEL ??
    (await provisionGuestKernel(join(defaultCacheDir(), 'vm-kernel'))).dir;
  const probe = join(scratch, 'vm_probe');
  await run('aarch64-linux-gnu-gcc', [
    '-static',
    '-O2',
    '-Wall',
    '-o',
    probe,
    'test/fixtures/vm/vm_probe.c',
    '-lseccomp',
  ]);
  vm = await AArch64Vm.boot({
    kernelDir,
    extraFiles: [{ path: PROBE, data: readFileSync(probe) }],
    shares: ARM_BUNDLE ? [{ hostPath: ARM_BUNDLE }] : [],
  });
  console.log(`VM: Linux ${vm.release} booted in ${vm.bootMs} ms`);
});

afterAll(async () => {
  await vm?.shutdown();
  rmSync(scratch, { recursive: true, force: true });
});

interface Ran {
  stdout: Buffer;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs a guest program to its end, `input` on its stdin. */
function runInVm(
  args: string[],
  input?: Buffer,
  options: Parameters<AArch64Vm['spawn']>[2] = {},
): Promise<Ran> {
  const child = vm.spawn(PROBE, args, options);
  const done = collect(child);
  child.stdin.end(input);
  return done;
}

/** Its output and end; stdin is left to the caller. */
function collect(child: VmChild): Promise<Ran> {
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout: Buffer.concat(out), stderr: err, code, signal }));
  });
}

test('a guest program echoes 1 MiB of binary data through stdin and stdout unchanged', async () => {
  const data = randomBytes(1 << 20);
  const r = await runInVm(['cat'], data);
  expect(r.code).toBe(0);
  expect(r.stdout.equals(data)).toBe(true);
});

test('throughput of the stdin to stdout round trip (64 MiB in 8 KiB writes, as walredo pages)', async () => {
  const page = randomBytes(8192);
  const total = 64 << 20;
  const child = vm.spawn(PROBE, ['cat']);
  let got = 0;
  const started = Date.now();
  const all = new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got === total) resolve();
    }),
  );
  for (let sent = 0; sent < total; sent += page.length) child.stdin.write(page);
  await all;
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `VM round trip: ${(total / 2 ** 20 / seconds).toFixed(1)} MiB/s (${total / 2 ** 20} MiB in ${seconds} s)`,
  );
  child.stdin.end();
  await new Promise((resolve) => child.on('close', resolve));
  expect(got).toBe(total);
});

test('eight processes at once keep their streams apart', async () => {
  const inputs = Array.from({ length: 8 }, () => randomBytes(200_000));
  const results = await Promise.all(inputs.map((d) => runInVm(['cat'], d)));
  results.forEach((r, i) => expect(r.stdout.equals(inputs[i])).toBe(true));
});

test('exit codes come back', async () => {
  for (const code of [0, 3, 255]) expect((await runInVm(['exit', String(code)])).code).toBe(code);
});

test('a death by a signal comes back as its name, and kill() reaches the guest process', async () => {
  const r = await runInVm(['signal', '11']);
  expect([r.code, r.signal]).toEqual([null, 'SIGSEGV']);
  const child = vm.spawn(PROBE, ['cat']);
  await new Promise((resolve) => child.on('spawn', resolve));
  const closed = new Promise((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
  expect(child.kill('SIGKILL')).toBe(true);
  expect(await closed).toEqual([null, 'SIGKILL']);
});

test('environment, working directory (made when missing), identity and stderr are as asked', async () => {
  const r = await runInVm(['whoami'], undefined, {
    env: { A: 'b c' },
    cwd: '/tmp/a/b',
    uid: 65534,
    gid: 65534,
  });
  expect(r.stdout.toString()).toBe('uid=65534 gid=65534\ncwd=/tmp/a/b\nA=b c\n');
  expect(r.stderr).toBe('to stderr\n');
});

test("a spawn's seccomp program is loaded before exec (kernel-floor): a call newer than 5.10 answers ENOSYS", async () => {
  // process_mrelease exists in the guest's 6.1 kernel: EBADF without the filter, ENOSYS under it
  expect((await runInVm(['newcall'])).stdout.toString()).toBe('EBADF\n');
  const seccomp = kernelFloorFilter(kernelFloorProgram(platformById('linux-aarch64')!.auditArch));
  expect((await runInVm(['newcall'], undefined, { seccomp })).stdout.toString()).toBe('ENOSYS\n');
  // the x86-64 program lets AArch64's calls through: the guest must be given AArch64's
  expect((await runInVm(['newcall'], undefined, { seccomp: kernelFloorFilter() })).stdout.toString()).toBe(
    'EBADF\n',
  );
});

test('a program that does not exist fails to spawn with ENOENT, as node reports it', async () => {
  const child = vm.spawn('/no/such/program');
  const e = await new Promise<NodeJS.ErrnoException>((resolve) => child.on('error', resolve));
  expect(e.code).toBe('ENOENT');
  expect(child.pid).toBeUndefined();
});

test('a seccomp filter works under the real kernel: Seccomp 2, and a forbidden call traps with SIGSYS', async () => {
  const child = vm.spawn(PROBE, ['seccomp']);
  let out = '';
  const ready = new Promise<void>((resolve) =>
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready\n')) resolve();
    }),
  );
  const done = collect(child);
  await ready;
  expect(await child.procStatus()).toMatch(/^Seccomp:\s+2$/m);
  child.stdin.end('go\n');
  const r = await done;
  expect(r.signal).toBe('SIGSYS');
  expect(r.stderr).toBe(`seccomp: bad syscall ${AARCH64_OPENAT}\n`);
});

const withBundle = ARM_BUNDLE ? describe : describe.skip;
withBundle(`the aarch64 bundle's walredo in the VM (PG_BUNDLE_E2E_ARM_BUNDLE, v${ARM_VERSION})`, () => {
  const paths = walRedoPaths(ARM_BUNDLE, ARM_VERSION);
  const start = (args: string[], cwd?: string) =>
    new WalRedoClient(paths.postgres, {
      args,
      env: { LD_LIBRARY_PATH: paths.lib },
      cwd,
      uid: 65534,
      gid: 65534,
      spawn: vm.walRedoSpawn(),
    });

  test('it answers pings inside its seccomp sandbox (Seccomp 2 in its /proc/<pid>/status)', async () => {
    expect(existsSync(paths.postgres)).toBe(true);
    const c = start(['--wal-redo', '--tenant-shard-id', DEFAULT_TENANT_SHARD_ID]);
    const started = Date.now();
    expect((await c.ping()).length).toBe(8192);
    const firstMs = Date.now() - started;
    expect(await c.procStatus()).toMatch(/^Seccomp:\s+2$/m);
    const n = 2000;
    const t = Date.now();
    await Promise.all(Array.from({ length: n }, () => c.ping()));
    console.log(
      `VM walredo: start and first ping ${firstMs} ms; ${n} pipelined pings ${((Date.now() - t) / n).toFixed(3)} ms each`,
    );
    expect((await c.close(10_000)).code).toBe(0);
  });

  test('--seccomp-selftest: its filter, built for AArch64, traps openat (56) and the process dies of SIGSYS', async () => {
    const c = start(['--wal-redo', '--seccomp-selftest']);
    const exit = await c.waitExit(60_000);
    expect(exit.signal).toBe('SIGSYS');
    expect(c.stderr()).toMatch(new RegExp(`^seccomp: bad syscall ${AARCH64_OPENAT}$`, 'm'));
  });

  test("the walredo suite's sandbox measurement reads Seccomp 2 through the VM", async () => {
    const report = await measureSandbox((cwd) => start(['--wal-redo'], cwd), ARM_VERSION);
    expect(report.seccomp).toBe(2);
  });

  test('the whole walredo stage passes in the VM: every protocol test (the read-only root too) and vector', async () => {
    const started = Date.now();
    const report = await runWalRedoStage(ARM_BUNDLE, ARM_VERSION, { spawn: vm.walRedoSpawn() });
    const failed = report.protocol.tests.filter((t) => !t.passed).map((t) => `${t.name}: ${t.detail}`);
    console.log(
      `VM walredo stage: ${report.vectors.passed} vectors, ${report.protocol.passed} protocol tests in ${Date.now() - started} ms`,
    );
    expect(failed).toEqual([]);
    expect([report.status, report.vectors.failed, report.sandbox?.seccomp]).toEqual(['pass', 0, 2]);
    expect(report.vectors.passed).toBeGreaterThan(1000);
  });
});
