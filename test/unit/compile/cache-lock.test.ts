import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CacheLockTiming, withCacheLock } from '../../../src/compile/cache-lock';
import { MemoryLogger } from '../../support/memory-logger';

const fast: CacheLockTiming = { staleMs: 2_000, pollMs: 50, maxWaitMs: 10_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withCacheLock', () => {
  let cache: string;
  beforeEach(() => (cache = mkdtempSync(join(tmpdir(), 'cache-lock-'))));
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  it('runs two builds of the same tree one after the other, and says the second waits', async () => {
    const tree = join(cache, 'build', 'v15-0123456789abcdef');
    const log = new MemoryLogger();
    const events: string[] = [];
    const build = (name: string) =>
      withCacheLock(
        tree,
        log,
        async () => {
          events.push(`${name} start`);
          await sleep(200);
          events.push(`${name} end`);
          return name;
        },
        fast,
      );
    expect(await Promise.all([build('static'), build('dynamic')])).toEqual(['static', 'dynamic']);
    expect(events).toEqual(['static start', 'static end', 'dynamic start', 'dynamic end']);
    expect(
      log.lines.filter((l) => l.includes(`waiting: another build using ${tree} is running`)),
    ).toHaveLength(1);
    expect(existsSync(`${tree}.lock`)).toBe(false);
  });

  it('lets builds of different trees run at the same time', async () => {
    const log = new MemoryLogger();
    const events: string[] = [];
    const build = (tree: string) =>
      withCacheLock(
        join(cache, 'build', tree),
        log,
        async () => {
          events.push(`${tree} start`);
          await sleep(100);
          events.push(`${tree} end`);
        },
        fast,
      );
    await Promise.all([build('v15-a'), build('v18-b')]);
    expect(events.slice(0, 2).sort()).toEqual(['v15-a start', 'v18-b start']);
    expect(log.lines).toEqual([]);
  });

  it('releases the lock when the build fails', async () => {
    const tree = join(cache, 'build', 'v15-x');
    const log = new MemoryLogger();
    await expect(
      withCacheLock(tree, log, () => Promise.reject(new Error('make failed')), fast),
    ).rejects.toThrow('make failed');
    expect(existsSync(`${tree}.lock`)).toBe(false);
    expect(await withCacheLock(tree, log, async () => 'next', fast)).toBe('next');
    expect(log.lines).toEqual([]);
  });

  it('takes over a lock left by a killed build once it is stale', async () => {
    const tree = join(cache, 'build', 'v15-y');
    mkdirSync(`${tree}.lock`, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${tree}.lock`, old, old);
    expect(await withCacheLock(tree, new MemoryLogger(), async () => 'built', fast)).toBe('built');
  });

  it('fails the build when the lock was lost while held (another build may have written the tree)', async () => {
    const tree = join(cache, 'build', 'v15-lost');
    const log = new MemoryLogger();
    await expect(
      withCacheLock(
        tree,
        log,
        async () => {
          rmSync(`${tree}.lock`, { recursive: true, force: true }); // someone removed it
          await sleep(1_500); // longer than the refresh interval, which notices
          return 'built';
        },
        fast,
      ),
    ).rejects.toThrow(new RegExp(`lock ${tree}\\.lock was lost while held`));
  });

  it('gives up after maxWaitMs naming the lock to remove', async () => {
    const tree = join(cache, 'build', 'v15-busy');
    const log = new MemoryLogger();
    const holder = withCacheLock(tree, log, () => sleep(1_000), fast);
    await sleep(50);
    await expect(withCacheLock(tree, log, async () => 'never', { ...fast, maxWaitMs: 200 })).rejects.toThrow(
      new RegExp(`another build using ${tree} was still running after[\\s\\S]*remove ${tree}\\.lock`),
    );
    await holder;
  });
});
