/** Build time with a cold cache (empty cache directory) and a warm one (the same cache, second build). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linkage } from '../src/build/dynamic';
import { Logger } from '../src/util/logger';
import { buildBundle } from './bundles';
import { Summary, summarize } from './stats';

export type BuildTimes = Record<Linkage, { cold: Summary; warm: Summary }>;

export async function measureBuildTimes(input: {
  major: number;
  source: string;
  jobs: number;
  log: Logger;
  runs?: number;
}): Promise<BuildTimes> {
  const result = {} as BuildTimes;
  for (const linkage of ['static', 'dynamic'] as const) {
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < (input.runs ?? 1); i++) {
      const work = mkdtempSync(join(tmpdir(), 'pgb-bench-build-'));
      try {
        const build = (out: string) =>
          buildBundle({
            outDir: join(work, out),
            major: input.major,
            linkage,
            source: input.source,
            cacheDir: join(work, 'cache'),
            jobs: input.jobs,
            log: input.log,
          });
        cold.push((await build('cold')).buildDurationSeconds);
        warm.push((await build('warm')).buildDurationSeconds);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
    result[linkage] = { cold: summarize(cold), warm: summarize(warm) };
  }
  return result;
}
