/**
 * One build at a time per directory of the cache that builds write into: the compiled PostgreSQL
 * tree (shared by every build of the same source and flags, static and dynamic, each running make
 * and relinking in it) and an ICU built from source. Two at once (two shells, a self-hosted runner
 * with parallel jobs on one cache) would corrupt it. The lock is a directory next to the locked one
 * (proper-lockfile); its mtime is refreshed while held, so a lock left by a killed build is taken
 * over once it is older than `staleMs`.
 */
import { DirLockTiming, withDirLock } from '../util/dir-lock';
import { Logger } from '../util/logger';

export type CacheLockTiming = DirLockTiming;

export const DEFAULT_CACHE_LOCK_TIMING: CacheLockTiming = {
  staleMs: 60_000,
  pollMs: 5_000,
  maxWaitMs: 3 * 60 * 60_000,
};

/** Runs `body` holding the lock `<dir>.lock`; a lock lost meanwhile fails the build (util/dir-lock.ts). */
export function withCacheLock<T>(
  dir: string,
  log: Logger,
  body: () => Promise<T>,
  timing: CacheLockTiming = DEFAULT_CACHE_LOCK_TIMING,
): Promise<T> {
  const words = {
    holder: `another build using ${dir}`,
    fix: `wait for that build to end; if no build is running, remove ${dir}.lock (and ${dir} if a build was killed while the lock was lost)`,
  };
  return withDirLock(dir, words, log, body, timing, `${dir}.lock`);
}
