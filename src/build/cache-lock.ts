/**
 * One build at a time per directory of the cache that builds write into: the compiled PostgreSQL
 * tree (shared by every build of the same source and flags, static and dynamic, each running make
 * and relinking in it) and an ICU built from source. Two at once (two shells, a self-hosted runner
 * with parallel jobs on one cache) would corrupt it. The lock is a directory next to the locked one
 * (proper-lockfile); its mtime is refreshed while held, so a lock left by a killed build is taken
 * over once it is older than `staleMs`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';

export interface CacheLockTiming {
  /** a lock not refreshed for this long belongs to a dead build */
  staleMs: number;
  /** how often a waiting build tries again, and for how long in all */
  pollMs: number;
  maxWaitMs: number;
}

export const DEFAULT_CACHE_LOCK_TIMING: CacheLockTiming = {
  staleMs: 60_000,
  pollMs: 5_000,
  maxWaitMs: 3 * 60 * 60_000,
};

export async function withCacheLock<T>(
  dir: string,
  log: Logger,
  body: () => Promise<T>,
  timing: CacheLockTiming = DEFAULT_CACHE_LOCK_TIMING,
): Promise<T> {
  mkdirSync(dirname(dir), { recursive: true });
  const options = {
    lockfilePath: `${dir}.lock`,
    realpath: false,
    stale: timing.staleMs,
    update: Math.max(1000, Math.floor(timing.staleMs / 4)),
    onCompromised: (err: Error) => {
      lost = err;
      log.warn(`the lock on ${dir} was lost (${err.message}); another build may be using it`);
    },
  };
  let lost: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lock(dir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    log.info(`waiting for ${dir}: another build is using it (lock ${options.lockfilePath})`);
    try {
      release = await lock(dir, {
        ...options,
        retries: {
          retries: Math.ceil(timing.maxWaitMs / timing.pollMs),
          factor: 1,
          minTimeout: timing.pollMs,
          maxTimeout: timing.pollMs,
        },
      });
    } catch (waitErr) {
      if ((waitErr as NodeJS.ErrnoException).code !== 'ELOCKED') throw waitErr;
      throw new UserError(
        `${dir} was still in use by another build after ${Math.round(timing.maxWaitMs / 60_000)} minutes`,
        `wait for that build to end, or, if no build is running, remove ${options.lockfilePath}`,
      );
    }
  }
  try {
    const result = await body();
    // another build may have written the same tree meanwhile: its objects cannot be trusted
    if (lost)
      throw new UserError(
        `the lock on ${dir} was lost while this build used it (${lost.message})`,
        `make sure no other build uses this cache directory, remove ${dir} and build again`,
      );
    return result;
  } finally {
    // a lock lost while held (onCompromised warned) is already released: that must not replace
    // the build's own result or error
    await release().catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERELEASED') throw err;
    });
  }
}
