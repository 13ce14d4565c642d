/**
 * Build time of the whole matrix, one major after another, in one run on one machine. Per major and
 * run, each in an empty cache directory of its own:
 *   - before: a cold build that compiles the whole tree with -g and without ccache (as pg-bundle
 *     did up to issue 23; --keep-debug is what compiles with -g now, and it also keeps the debug
 *     files, a second or two of objcopy);
 *   - after: a cold build as pg-bundle builds now (only what the bundle needs, ccache on, cold);
 *   - warm: the same cache again (the compiled tree reused);
 *   - fork tree (v15+): a fork-shaped tree (test/fixtures/fork) made from the same upstream tarball,
 *     built with --walredo fork into the cache of "after": its compiled tree is seeded from the
 *     upstream one, and make recompiles what the fork's edits reach.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBundles } from '../src/compile/build';
import { sourcesForVersions } from '../src/source/spec';
import { Logger } from '../src/util/logger';
import { SectionTable } from './report';
import { Summary, summarize } from './stats';

export interface BuildMatrixInput {
  majors: number[];
  sourceOf: (major: number) => { spec: string; sha256?: string };
  runs: number;
  jobs: number;
  log: Logger;
}

const FORK_SCRIPT = resolve(__dirname, '../test/fixtures/fork/make-fork-tree.sh');
const FORK_MODULES = ['fork/fork_walredo', 'modules/pgb_test_rmgr'].map((m) =>
  resolve(__dirname, '../test/fixtures', m),
);

interface BuildSpec {
  major: number;
  source: string;
  sha256?: string;
  cacheDir: string;
  out: string;
  jobs: number;
  log: Logger;
  before?: boolean;
  fork?: boolean;
}

async function timedBuild(b: BuildSpec): Promise<number> {
  const started = process.hrtime.bigint();
  await buildBundles({
    versions: [b.major],
    sources: sourcesForVersions([b.major], [b.source], b.sha256 ? [b.sha256] : []),
    out: b.out,
    cacheDir: b.cacheDir,
    modules: b.fork ? FORK_MODULES : [],
    walredo: b.fork ? 'fork' : undefined,
    walredoPreload: b.fork ? 'pgb_test_rmgr' : undefined,
    compileScope: b.before ? 'all' : 'bundle',
    ccache: !b.before,
    locales: ['C.UTF-8'],
    keepDebug: b.before === true,
    installDeps: false,
    jobs: b.jobs,
    log: b.log,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rmSync(b.out, { recursive: true, force: true });
  return seconds;
}

/** The upstream tarball a cache holds for the major's source: the file downloaded or Debian's orig. */
function upstreamTarball(cacheDir: string): string | undefined {
  for (const top of ['downloads', 'debian']) {
    const dir = join(cacheDir, top);
    if (!existsSync(dir)) continue;
    for (const sub of readdirSync(dir))
      for (const f of readdirSync(join(dir, sub)))
        if (/\.tar\.(gz|bz2|xz)$/.test(f) && (top === 'downloads' || f.includes('.orig.')))
          return join(dir, sub, f);
  }
  return undefined;
}

interface MajorTimes {
  before: number[];
  after: number[];
  warm: number[];
  fork: number[];
}

async function measureMajor(input: BuildMatrixInput, major: number): Promise<MajorTimes> {
  const { spec, sha256 } = input.sourceOf(major);
  const times: MajorTimes = { before: [], after: [], warm: [], fork: [] };
  for (let i = 0; i < input.runs; i++) {
    const work = mkdtempSync(join(tmpdir(), 'pgb-bench-matrix-'));
    try {
      const common = { major, source: spec, sha256, jobs: input.jobs, log: input.log };
      times.before.push(
        await timedBuild({ ...common, cacheDir: join(work, 'c0'), out: join(work, 'o'), before: true }),
      );
      rmSync(join(work, 'c0'), { recursive: true, force: true });
      const cacheDir = join(work, 'c1');
      times.after.push(await timedBuild({ ...common, cacheDir, out: join(work, 'o') }));
      times.warm.push(await timedBuild({ ...common, cacheDir, out: join(work, 'o') }));
      const tarball = upstreamTarball(cacheDir);
      if (major >= 15 && tarball) {
        const tree = join(work, 'fork-tree');
        execFileSync('bash', [FORK_SCRIPT, tarball, tree], { stdio: 'ignore' });
        times.fork.push(
          await timedBuild({
            ...common,
            source: `dir:${tree}`,
            sha256: undefined,
            cacheDir,
            out: join(work, 'o'),
            fork: true,
          }),
        );
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return times;
}

const sText = (s: Summary | undefined) =>
  s ? `${s.median.toFixed(0)} s (${s.min.toFixed(0)}–${s.max.toFixed(0)}, n=${s.n})` : 'n/a';
const med = (xs: number[]) => (xs.length ? summarize(xs) : undefined);

export async function buildMatrixSection(input: BuildMatrixInput): Promise<SectionTable> {
  const rows: string[][] = [];
  const total = { before: 0, after: 0, warm: 0, fork: 0 };
  for (const major of input.majors) {
    const t = await input.log.step(`v${major}: build times (before, after, warm, fork tree)`, () =>
      measureMajor(input, major),
    );
    const s = { before: med(t.before), after: med(t.after), warm: med(t.warm), fork: med(t.fork) };
    for (const k of ['before', 'after', 'warm', 'fork'] as const) total[k] += s[k]?.median ?? 0;
    const ratio = s.before && s.after ? `${(s.after.median / s.before.median).toFixed(2)}×` : 'n/a';
    rows.push([
      `v${major}`,
      input.sourceOf(major).spec,
      sText(s.before),
      sText(s.after),
      ratio,
      sText(s.warm),
      sText(s.fork),
    ]);
  }
  rows.push([
    'whole matrix (sum of medians)',
    '',
    `${total.before.toFixed(0)} s`,
    `${total.after.toFixed(0)} s`,
    total.before ? `${(total.after / total.before).toFixed(2)}×` : 'n/a',
    `${total.warm.toFixed(0)} s`,
    `${total.fork.toFixed(0)} s`,
  ]);
  return {
    title: 'Build time of the matrix (static, one major after another)',
    intro: [
      `per major and run, each cold build in an empty cache directory: before = the whole tree with -g and without ccache (pg-bundle up to issue 23; --keep-debug), after = what the bundle needs with ccache (cold); warm = the "after" cache again; fork tree = test/fixtures/fork's tree of the same upstream tarball built with --walredo fork in the "after" cache (seeded from the upstream compiled tree; v15+); ${input.runs} run(s); jobs=${input.jobs}`,
    ],
    columns: ['major', 'source', 'cold before', 'cold after', 'after ÷ before', 'warm', 'fork tree (seeded)'],
    rows,
    notes: [],
  };
}
