/** What the reproducibility e2e tests compare between two builds (pure helpers). */
import { CcacheStats, parseCcacheStats } from '../../src/compile/ccache';

/** path → sha256 of a manifest version entry's files */
export function fileSums(entry: { files: { path: string; sha256: string }[] }): Record<string, string> {
  return Object.fromEntries(entry.files.map((f) => [f.path, f.sha256]));
}

/** the paths whose sha256 differs, or that only one side has */
export function differingPaths(a: Record<string, string>, b: Record<string, string>): string[] {
  return Object.keys({ ...a, ...b }).filter((p) => a[p] !== b[p]);
}

/** ccache's hits and misses as a build's log reports them ("vNN: ccache H hits, M misses"), if it does */
export function ccacheStatsOfBuildLog(log: string): CcacheStats | undefined {
  const line = /v\d+: ccache (\d+) hits, (\d+) misses/.exec(log);
  return line ? parseCcacheStats(`direct_cache_hit\t${line[1]}\ncache_miss\t${line[2]}\n`) : undefined;
}
