/**
 * ccache under the cache directory, for the compiles a cached tree cannot spare (a new tree key, a
 * tree seeded from another one). The compiler front (compiler-front.ts) runs it when PGB_CCACHE is
 * set; it never changes an object: the same compiler, flags and prefix maps make the same bytes,
 * which the reproducibility test checks with a build served from ccache alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { capture } from '../util/exec';

export interface CcacheStats {
  hits: number;
  misses: number;
}

/** The environment that turns ccache on for one compiled tree (pure). */
export function ccacheEnv(cacheDir: string, ccache: string | undefined): Record<string, string> {
  if (!ccache) return {};
  return {
    PGB_CCACHE: ccache,
    CCACHE_DIR: join(cacheDir, 'ccache'),
    // no CCACHE_BASEDIR: it rewrites the compiler's absolute paths to relative ones, which the
    // -ffile-prefix-map of the compiler front then misses (__FILE__ kept the cache path: measured)
    CCACHE_MAXSIZE: '4G',
    // depend mode: the compiler's own -MMD output names the headers (PostgreSQL's autodepend), so a
    // miss does not run the preprocessor a second time. Measured on src/backend/access of v14 (145
    // compiles, cold cache, make -j2): 21.1 s without ccache, 25.9 s in ccache's default mode,
    // 20.9 s in depend mode; a tree copied elsewhere is still served from the cache (145 of 145
    // direct hits, identical objects).
    CCACHE_DEPEND: '1',
  };
}

/** hits and misses from `ccache --print-stats` (pure). */
export function parseCcacheStats(text: string): CcacheStats {
  const value = (key: string) => {
    const m = new RegExp(`^${key}\\t(\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return {
    hits: value('direct_cache_hit') + value('preprocessed_cache_hit'),
    misses: value('cache_miss'),
  };
}

export async function zeroCcacheStats(env: NodeJS.ProcessEnv): Promise<void> {
  if (env.PGB_CCACHE) await capture(env.PGB_CCACHE, ['--zero-stats'], { env });
}

export async function readCcacheStats(env: NodeJS.ProcessEnv): Promise<CcacheStats | undefined> {
  if (!env.PGB_CCACHE) return undefined;
  return parseCcacheStats(await capture(env.PGB_CCACHE, ['--print-stats'], { env }));
}

/** The ccache on PATH, or undefined (the build then compiles without it and says so). */
export function findCcache(path = process.env.PATH ?? '/usr/bin:/bin'): string | undefined {
  for (const dir of path.split(':')) {
    if (dir && !dir.endsWith('/compiler-front') && existsSync(join(dir, 'ccache')))
      return join(dir, 'ccache');
  }
  return undefined;
}
