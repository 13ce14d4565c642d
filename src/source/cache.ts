import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The cache directory keeps what is expensive to get again: downloaded sources, extracted trees,
 * Debian's source indexes and built ICU. Layout (all keyed by content, so safe to share between runs):
 *   downloads/<sha256>/<file>   trees/<sha256>/   apt/   icu/<key>/
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PG_BUNDLE_CACHE) return env.PG_BUNDLE_CACHE;
  const xdg = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(xdg, 'pg-bundle');
}
