/**
 * The storage service runs one walredo process per tenant shard: thousands per host. This starts
 * 1,000 walredo processes of the built bundle at once (PG_BUNDLE_SCALE_PROCESSES to change it),
 * each answers a ping and a redo request. While they run, each uses memory and its three pipes only:
 * no SysV segment (the kernel's shmmni, 4096 by default, would cap the processes per host), no
 * /dev/shm entry, no file; and nothing is left in the temporary directory. The figures are printed; targets live in `npm run bench`.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { judgeVector } from '../../src/walredo/suite/run-vectors';
import { generateCorpus } from '../../src/walredo/corpus/corpus';
import { RedoVector } from '../../src/walredo/corpus/vectors';
import { walRedoPaths, walRedoStarter } from '../../src/walredo/suite';
import { WalRedoClient } from '../../src/walredo/client';
import { requireBundle } from './bundle-env';

const { out, version } = requireBundle();
const N = Number(process.env.PG_BUNDLE_SCALE_PROCESSES ?? '1000');

jest.setTimeout(15 * 60_000);

/** SysV shared memory segments created by one of these processes (column cpid of /proc/sysvipc/shm). */
function sysvSegmentsOf(pids: Set<number>): string[] {
  const [header, ...rows] = readFileSync('/proc/sysvipc/shm', 'utf8').trim().split('\n');
  const cpid = header.trim().split(/\s+/).indexOf('cpid');
  return rows.filter((r) => pids.has(Number(r.trim().split(/\s+/)[cpid])));
}

/** What a process uses beyond its memory: mapped files other than its executable, and descriptors other than 0, 1 and 2. */
function outsideResources(pid: number, executable: string): string[] {
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/).slice(5).join(' '))
    .filter((path) => path !== '' && !path.startsWith('[') && path !== executable);
  const fds = readdirSync(`/proc/${pid}/fd`).filter((fd) => !['0', '1', '2'].includes(fd));
  return [...new Set(maps), ...fds.map((fd) => `fd ${fd}`)];
}

function privateKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return field('RssAnon') + field('RssShmem');
}

function sample(): Promise<RedoVector> {
  return (async () => {
    const corpus = await generateCorpus({
      binDir: walRedoPaths(out, version).bin,
      major: version,
      scale: 0.02,
    });
    try {
      for (const v of corpus.vectors()) if (v.kind === 'delta') return v;
      throw new Error('the corpus has no delta vector');
    } finally {
      corpus.dispose();
    }
  })();
}

test(`v${version}: ${N} walredo processes at once all answer a ping and a redo request, and leave nothing behind`, async () => {
  const vector = await sample();
  const tmpBefore = readdirSync(tmpdir());
  const start = walRedoStarter(out, version);
  const t0 = process.hrtime.bigint();
  const clients: WalRedoClient[] = Array.from({ length: N }, () => start());
  try {
    await Promise.all(clients.map((c) => c.ping()));
    const allAnsweredMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const memory = clients.map((c) => privateKiB(c.pid!));
    const pids = new Set(clients.map((c) => c.pid!));
    const ours = sysvSegmentsOf(pids);
    const executable = realpathSync(walRedoPaths(out, version).postgres);
    const outside = clients.flatMap((c) => outsideResources(c.pid!, executable));

    const pages = await Promise.all(clients.map((c) => c.redo(vector)));
    const wrong = pages.filter((p) => judgeVector(vector, p) !== undefined).length;
    const exits = await Promise.all(clients.map((c) => c.close(60_000)));

    const totalMiB = memory.reduce((a, b) => a + b, 0) / 1024;
    console.log(
      `v${version}: ${N} walredo processes started at once; all answered a ping after ${allAnsweredMs.toFixed(0)} ms; ` +
        `private memory (RssAnon + RssShmem) per process: mean ${((totalMiB * 1024) / N).toFixed(0)} KiB, ` +
        `max ${Math.max(...memory)} KiB, total ${totalMiB.toFixed(1)} MiB; SysV segments created by them: ${ours.length}`,
    );
    expect(ours).toEqual([]);
    // no /dev/shm segment, no file, no SysV attachment (it would show as /SYSV…): memory and pipes only
    expect([...new Set(outside)]).toEqual([]);
    expect(wrong).toBe(0);
    expect(exits.filter((e) => e.timedOut || e.code !== 0)).toEqual([]);
  } finally {
    for (const c of clients) c.kill();
  }
  expect(readdirSync(tmpdir()).filter((e) => !tmpBefore.includes(e) && e.startsWith('pgb-walredo'))).toEqual(
    [],
  );
});
