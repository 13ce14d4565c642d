/**
 * Properties of pg-bundle's builtin walredo module (issue 5) on the built bundle: the seccomp
 * sandbox kills a forbidden system call, and a killed process leaves no scratch directory, no
 * /dev/shm entry and no SysV segment behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireBundle } from './bundle-env';

const { dir, version } = requireBundle();
const postgres = join(dir, 'bin', 'postgres');
const asRoot = process.getuid?.() === 0;
/** postgres refuses to run as root: drop to nobody, environment cleared (as the storage service runs it). */
function argv(args: string[], env: string[] = []): [string, string[]] {
  const base = ['env', '-i', ...env, postgres, ...args];
  return asRoot
    ? ['setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', ...base]]
    : [base[0], base.slice(1)];
}

function sysvSegments(): string[] {
  return readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n').slice(1);
}

jest.setTimeout(120_000);

test(`v${version}: a system call outside the seccomp allow-list kills walredo with SIGSYS`, () => {
  const [cmd, args] = argv(['--wal-redo', '--seccomp-selftest']);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  expect(r.signal ?? (r.status !== null && r.status > 128 ? 'exit ' + r.status : null)).toBe('SIGSYS');
});

test(`v${version}: kill -9 after the first answer leaves no scratch directory, /dev/shm entry or SysV segment`, async () => {
  const scratchParent = mkdtempSync(join(tmpdir(), 'pgb-walredo-tmp-'));
  chmodSync(scratchParent, 0o755);
  if (asRoot) chownSync(scratchParent, 65534, 65534);
  const shmBefore = readdirSync('/dev/shm').sort();
  const sysvBefore = sysvSegments().length;
  const [cmd, args] = argv(['--wal-redo', '--tenant-shard-id', '0'.repeat(32)], [`TMPDIR=${scratchParent}`]);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const answer = new Promise<number>((resolve, reject) => {
    let got = 0;
    child.stdout.on('data', (d: Buffer) => {
      got += d.length;
      if (got >= 8192) resolve(got);
    });
    child.on('exit', (code, signal) =>
      reject(new Error(`walredo exited (${code ?? signal}) before answering: ${stderr}`)),
    );
  });
  const ping = Buffer.from([0x48, 0, 0, 0, 4]); // 'H', length 4
  child.stdin.write(ping);
  expect(await answer).toBe(8192);
  // the process is alive and has answered: now kill it the hard way
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  expect(readdirSync(scratchParent)).toEqual([]);
  expect(readdirSync('/dev/shm').sort()).toEqual(shmBefore);
  expect(sysvSegments().length).toBe(sysvBefore);
});
