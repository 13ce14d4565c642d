/**
 * One build at a time per compiled tree. The tree in the cache is shared by every build of the same
 * source and flags (static and dynamic), and each of them runs make and relinks in it; two at once
 * (two shells, a self-hosted runner with parallel jobs on one cache) would corrupt it. The lock is a
 * directory next to the tree (proper-lockfile); its mtime is refreshed while held, so a lock left by
 * a killed build is taken over once it is older than `staleMs`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { Logger } from '../util/logger';

export interface TreeLockTiming {
  /** a lock not refreshed for this long belongs to a dead build */
  staleMs: number;
  /** how often a waiting build tries again, and for how long in all */
  pollMs: number;
  maxWaitMs: number;
}

export const DEFAULT_TREE_LOCK_TIMING: TreeLockTiming = {
  staleMs: 60_000,
  pollMs: 5_000,
  maxWaitMs: 3 * 60 * 60_000,
};

export async function withTreeLock<T>(
  treeDir: string,
  log: Logger,
  body: () => Promise<T>,
  timing: TreeLockTiming = DEFAULT_TREE_LOCK_TIMING,
): Promise<T> {
  mkdirSync(dirname(treeDir), { recursive: true });
  const options = {
    lockfilePath: `${treeDir}.lock`,
    realpath: false,
    stale: timing.staleMs,
    update: Math.max(1000, Math.floor(timing.staleMs / 4)),
    onCompromised: (err: Error) =>
      log.warn(`the lock on ${treeDir} was lost (${err.message}); another build may be using the tree`),
  };
  let release: () => Promise<void>;
  try {
    release = await lock(treeDir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    log.info(`waiting for ${treeDir}: another build is using this compiled tree (${options.lockfilePath})`);
    release = await lock(treeDir, {
      ...options,
      retries: {
        retries: Math.ceil(timing.maxWaitMs / timing.pollMs),
        factor: 1,
        minTimeout: timing.pollMs,
        maxTimeout: timing.pollMs,
      },
    });
  }
  try {
    return await body();
  } finally {
    await release();
  }
}
