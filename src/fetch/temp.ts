/**
 * A bundle fetched through fetch's one checked path into a temporary directory, for the commands
 * that read a bundle they were given as a pin file or a release (rebuild-check, compare, pin-bump's
 * measurement of the old pin): the directory is removed again by `cleanup`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandContext, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { githubAccess } from '../github/access';
import { deadlinesOption } from '../github/deadlines';
import { retryPolicy } from '../github/retry';
import { PinFile } from '../pin/types';
import { fetchBundle, fetchPin, FetchResult, FetchTarget, fetchRelease } from './fetch';

/** How a fetch reaches GitHub: everything of a FetchTarget but where it unpacks. */
export type FetchAccess = Omit<FetchTarget, 'outDir'>;

/** What to fetch: a pin file, a release (repository and tag), or a pin already read from `where`. */
export type BundleSource =
  { pinPath: string } | { repository: string; tag: string } | { pin: PinFile; where: string };

export interface FetchedBundle extends FetchResult {
  /** removes the temporary directory */
  cleanup: () => void;
}

/** The fetch access the options and the environment give (--token, --api-url, --timeout). */
export function fetchAccess(options: RawOptions, ctx: CommandContext, env = process.env): FetchAccess {
  const access = githubAccess(options, ctx, env);
  return {
    token: access.token,
    apiUrl: access.apiUrl,
    log: ctx.log,
    retry: retryPolicy(env),
    deadlines: deadlinesOption(stringOption(options, 'timeout')),
  };
}

/** Fetches and checks the bundle into a new temporary directory; nothing is left behind on failure. */
export async function fetchToTemp(
  source: BundleSource,
  access: FetchAccess,
  prefix = 'pg-bundle-fetched-',
): Promise<FetchedBundle> {
  const parent = mkdtempSync(join(tmpdir(), prefix));
  const cleanup = () => rmSync(parent, { recursive: true, force: true });
  const target: FetchTarget = { ...access, outDir: join(parent, 'bundle') };
  try {
    const fetched =
      'pin' in source
        ? await fetchPin(source.pin, source.where, target)
        : 'pinPath' in source
          ? await fetchBundle({ ...target, pinPath: source.pinPath })
          : await fetchRelease({ ...target, ...source });
    return { ...fetched, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}
