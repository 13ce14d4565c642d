/**
 * One process at a time on a path (proper-lockfile): the lock is a directory `<path>.pg-bundle.lock`
 * beside it, refreshed while held, so a lock left by a killed process is taken over once older than
 * `staleMs`. A second process waits (saying so) up to `maxWaitMs`, then fails in one line.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { lock } from 'proper-lockfile';
import { UserError } from './errors';
import { formatDuration, Logger } from './logger';

export interface DirLockTiming {
  staleMs: number;
  pollMs: number;
  maxWaitMs: number;
}

export const DEFAULT_DIR_LOCK_TIMING: DirLockTiming = {
  staleMs: 30_000,
  pollMs: 1_000,
  maxWaitMs: 30 * 60_000,
};

export interface DirLockWords {
  /** what the holder does, e.g. "another fetch into /x/out" */
  holder: string;
  /** the fix when waiting did not help */
  fix: string;
}

export function lockPathOf(path: string): string {
  return `${path}.pg-bundle.lock`;
}

export async function withDirLock<T>(
  path: string,
  words: DirLockWords,
  log: Logger,
  body: () => Promise<T>,
  timing: DirLockTiming = DEFAULT_DIR_LOCK_TIMING,
  /** where the lock lives, when not beside `path` under the default name */
  lockfilePath = lockPathOf(path),
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  let lost: Error | undefined;
  const options = {
    lockfilePath,
    realpath: false,
    stale: timing.staleMs,
    update: Math.max(1000, Math.floor(timing.staleMs / 4)),
    onCompromised: (err: Error) => {
      lost = err;
    },
  };
  let release: () => Promise<void>;
  try {
    release = await lock(path, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
    log.info(`waiting: ${words.holder} is running (lock ${options.lockfilePath})`);
    try {
      release = await lock(path, {
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
        `${words.holder} was still running after ${formatDuration(timing.maxWaitMs)} (lock ${options.lockfilePath})`,
        words.fix,
      );
    }
  }
  let result: T;
  try {
    result = await body();
  } finally {
    await release().catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ERELEASED') throw err;
    });
  }
  if (lost)
    throw new UserError(
      `the lock ${options.lockfilePath} was lost while held (${lost.message}): another process may have changed ${path}`,
      words.fix,
    );
  return result;
}
