/**
 * Build time with a cold cache (an empty cache directory: Debian indexes and source download, configure,
 * full compile, relink, assemble) and a warm one (the same cache again: the compiled tree is reused).
 * Wall time of the whole `build` (source resolution included), per linkage, interleaved run by run
 * (static cold, static warm ×2, dynamic cold, dynamic warm ×2, then the next run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Linkage } from '../src/compile/types';
import { Logger } from '../src/util/logger';
import { buildBundle } from './bundles';
import { Summary, summarize } from './stats';

export type BuildTimes = Partial<Record<Linkage, { cold: Summary; warm: Summary }>>;

/** warm builds after each cold one */
export const WARM_BUILDS_PER_COLD = 2;

export async function measureBuildTimes(input: {
  major: number;
  source: string;
  /** checksum of a tarball source */
  sha256?: string;
  jobs: number;
  log: Logger;
  /** cold builds per linkage */
  runs: number;
  /** default both */
  linkages?: Linkage[];
}): Promise<BuildTimes> {
  const linkages = input.linkages ?? (['static', 'dynamic'] as const);
  const samples: Record<Linkage, { cold: number[]; warm: number[] }> = {
    static: { cold: [], warm: [] },
    dynamic: { cold: [], warm: [] },
  };
  for (let i = 0; i < input.runs; i++) {
    for (const linkage of linkages) {
      const work = mkdtempSync(join(tmpdir(), 'pgb-bench-build-'));
      try {
        const build = async (out: string) => {
          const started = process.hrtime.bigint();
          await buildBundle({
            outDir: join(work, out),
            major: input.major,
            linkage,
            source: input.source,
            sha256: input.sha256,
            cacheDir: join(work, 'cache'),
            jobs: input.jobs,
            log: input.log,
          });
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          rmSync(join(work, out), { recursive: true, force: true });
          return seconds;
        };
        samples[linkage].cold.push(await build('cold'));
        for (let w = 0; w < WARM_BUILDS_PER_COLD; w++) samples[linkage].warm.push(await build(`warm-${w}`));
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    }
  }
  const result = {} as BuildTimes;
  for (const linkage of linkages)
    result[linkage] = { cold: summarize(samples[linkage].cold), warm: summarize(samples[linkage].warm) };
  return result;
}
