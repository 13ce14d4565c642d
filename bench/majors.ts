/** Every major side by side: size, initdb time and native walredo cold start of each static bundle. */
import { join } from 'node:path';
import { readVersionManifest } from './bundles';
import { initdbOnce } from './initdb';
import { NativeTools } from './native';
import { coldStartSamples, floorPrograms, walredoProgram } from './native-bench';
import { formatBytes, microsSummaryText, SectionTable, timesText } from './report';
import { bundleSize } from './size';
import { summarize } from './stats';
import { Logger } from '../src/util/logger';

export interface MajorsInput {
  majors: number[];
  /** out dir of major M is `${prefix}${M}` (holds vM/ and manifest.json) */
  outDirOf: (major: number) => string;
  initdbRuns: number;
  coldRuns: number;
  rounds: number;
  log: Logger;
}

async function initdbSummary(versionDir: string, major: number, runs: number): Promise<string> {
  const bin = join(versionDir, 'bin');
  const lib = join(versionDir, 'lib');
  try {
    await initdbOnce(bin, lib, major); // warm-up, discarded
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) ms.push(await initdbOnce(bin, lib, major));
    const s = summarize(ms);
    return `${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, IQR ${s.iqrPct.toFixed(0)}%, n=${s.n})`;
  } catch (e) {
    return `fails: ${(e as Error).message.split('\n')[0]}`;
  }
}

async function majorRow(tools: NativeTools, input: MajorsInput, major: number): Promise<string[]> {
  const outDir = input.outDirOf(major);
  const versionDir = join(outDir, `v${major}`);
  const manifest = readVersionManifest(outDir, major);
  const size = await bundleSize(versionDir);
  const initdb = await initdbSummary(versionDir, major, input.initdbRuns);
  const hello = floorPrograms(tools).hello.program;
  const [floor, cold] = (
    await coldStartSamples(
      tools,
      [
        { program: hello, until: 'exit' },
        { program: walredoProgram(versionDir), until: 'ping' },
      ],
      input.coldRuns,
      input.rounds,
    )
  ).map((s) => summarize(s.micros));
  return [
    `v${major}`,
    manifest?.postgres.version ?? '?',
    `${formatBytes(size.bytes)} (${size.files} files)`,
    formatBytes(size.zstdBytes),
    initdb,
    microsSummaryText(cold),
    `${timesText(cold.median, floor.median)} (floor ${microsSummaryText(floor)})`,
  ];
}

export async function majorsSection(tools: NativeTools, input: MajorsInput): Promise<SectionTable> {
  const rows: string[][] = [];
  for (const major of input.majors)
    rows.push(
      await input.log.step(`v${major}: size, initdb, cold start`, () => majorRow(tools, input, major)),
    );
  return {
    title: 'Every major (static bundles)',
    intro: [
      `size: bytes of the regular files under vNN/ and the deterministic tar with zstd as publish packs it; initdb: the storage service's flags, unprivileged, ${input.initdbRuns} runs after a warm-up; cold start: the native harness, ${input.coldRuns} starts per major interleaved with the static hello floor measured next to it`,
    ],
    columns: [
      'major',
      'postgres',
      'size on disk',
      'tar.zst',
      'initdb (median)',
      'walredo cold start (native)',
      '÷ static hello floor',
    ],
    rows,
    notes: [],
  };
}
