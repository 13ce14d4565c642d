/**
 * Build time of the whole matrix, one major after another: per major a cold build (an empty
 * cache directory: source, configure, full compile, link) and warm ones (the compiled tree reused).
 */
import { Logger } from '../src/util/logger';
import { measureBuildTimes, WARM_BUILDS_PER_COLD } from './build-times';
import { SectionTable } from './report';
import { Summary } from './stats';

export interface BuildMatrixInput {
  majors: number[];
  sourceOf: (major: number) => { spec: string; sha256?: string };
  runs: number;
  jobs: number;
  log: Logger;
}

const sText = (s: Summary | undefined) =>
  s ? `${s.median.toFixed(0)} s (${s.min.toFixed(0)}–${s.max.toFixed(0)}, n=${s.n})` : 'n/a';

export async function buildMatrixSection(input: BuildMatrixInput): Promise<SectionTable> {
  const rows: string[][] = [];
  let coldTotal = 0;
  let warmTotal = 0;
  for (const major of input.majors) {
    const { spec: source, sha256 } = input.sourceOf(major);
    const times = await input.log.step(`v${major}: build times (cold and warm, static)`, () =>
      measureBuildTimes({
        major,
        source,
        sha256,
        jobs: input.jobs,
        log: input.log,
        runs: input.runs,
        linkages: ['static'],
      }),
    );
    coldTotal += times.static?.cold.median ?? 0;
    warmTotal += times.static?.warm.median ?? 0;
    rows.push([`v${major}`, source, sText(times.static?.cold), sText(times.static?.warm)]);
  }
  rows.push(['whole matrix (sum of medians)', '', `${coldTotal.toFixed(0)} s`, `${warmTotal.toFixed(0)} s`]);
  return {
    title: 'Build time of the matrix (static, one major after another)',
    intro: [
      `per major and run: one cold build (empty cache directory) then ${WARM_BUILDS_PER_COLD} warm ones (same cache); ${input.runs} run(s); jobs=${input.jobs}`,
    ],
    columns: ['major', 'source', 'cold (median, range)', 'warm (median, range)'],
    rows,
    notes: [],
  };
}
