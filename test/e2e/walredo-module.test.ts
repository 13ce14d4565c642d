/**
 * Properties of pg-bundle's builtin walredo module on the built bundle: the seccomp sandbox names
 * and kills a forbidden system call, a record that would overflow a redo routine's buffer ends in
 * an error naming the record, and a killed process leaves no scratch directory, no /dev/shm entry
 * and no SysV segment behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCorpus } from '../../src/walredo/corpus/corpus';
import { RedoVector } from '../../src/walredo/corpus/vectors';
import { walRedoStarter } from '../../src/walredo/suite';
import { walFormat } from '../../src/walredo/wal/constants';
import { decodeRecord } from '../../src/walredo/wal/record';
import { requireBundle } from './bundle-env';

const { out, dir, version } = requireBundle();
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

test(`v${version}: a system call outside the seccomp allow-list is named on stderr, then kills walredo with SIGSYS`, () => {
  const [cmd, args] = argv(['--wal-redo', '--seccomp-selftest']);
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  expect(r.signal ?? (r.status !== null && r.status > 128 ? 'exit ' + r.status : null)).toBe('SIGSYS');
  // openat (257 on x86-64) is what the self-test calls
  expect(r.stderr).toMatch(/^seccomp: bad syscall 257$/m);
});

/** The record with its first block's data grown to `length` bytes (the A message's CRC is not checked). */
function withBlockData(raw: Uint8Array, length: number): Buffer {
  const decoded = decodeRecord(raw, walFormat(version));
  const block = decoded.blocks[0];
  const end = block.data.byteOffset - raw.byteOffset + block.data.length;
  const grown = Buffer.concat([
    Buffer.from(raw.subarray(0, end)),
    Buffer.alloc(length - block.data.length, 0x41),
    Buffer.from(raw.subarray(end)),
  ]);
  grown.writeUInt32LE(grown.length, 0); // xl_tot_len
  grown.writeUInt16LE(length, 24 + 2); // block 0's data_length (its header comes first)
  return grown;
}

test(`v${version}: a heap record with a 20 KB tuple ends in a clean error that names the record, not a crash`, async () => {
  const corpus = await generateCorpus({ binDir: join(dir, 'bin'), major: version, scale: 0.02 });
  let vector: RedoVector | undefined;
  try {
    for (const v of corpus.vectors()) {
      const first = v.records.length === 1 ? decodeRecord(v.records[0].raw, walFormat(version)) : undefined;
      // heap INSERT (info 0x00 under the 0x70 mask) whose first block is the target, carrying data
      if (
        v.rmgr === 'Heap' &&
        first &&
        (first.header.info & 0x70) === 0 &&
        first.blocks[0]?.hasData &&
        v.blockId === 0
      ) {
        vector = v;
        break;
      }
    }
  } finally {
    corpus.dispose();
  }
  expect(vector).toBeDefined();
  const record = vector!.records[0];
  const request = { ...vector!, records: [{ ...record, raw: withBlockData(record.raw, 20 * 1024) }] };
  const c = walRedoStarter(out, version)();
  await expect(c.redo(request)).rejects.toThrow();
  const exit = await c.waitExit(30_000);
  expect(exit.signal).toBeNull();
  expect(exit.code).toBe(1);
  expect(c.stderrTail()).toContain('more than a page');
  expect(c.stderrTail()).toMatch(
    /while replaying the WAL record ending at [0-9A-F]+\/[0-9A-F]+ \(resource manager Heap, id 10, info 0x[0-9A-F]{2}\) onto block \d+\/\d+\/\d+ fork 0 blk \d+/,
  );
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
