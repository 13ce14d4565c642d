/**
 * How long the compatibility measurement of a pin bump takes (`pg-bundle compare`, which pin-bump
 * runs on every pull request): one row per major, old → new, with each stage's time and what it
 * found. The old side is `--compat-old <dir>` (a bundle of other libraries, e.g. ICU 67.1: every
 * stage does its whole work), or the new bundle itself (nothing differs: the indexes stage has
 * nothing to check, so this is the short case).
 */
import { directoryInput } from '../src/compare/input';
import { compareInputs } from '../src/compare/command';
import { MajorComparison, Measured } from '../src/compare/report';
import { Logger } from '../src/util/logger';
import { SectionTable } from './report';

export interface CompatOptions {
  /** the new bundle: a directory with vNN/ */
  bundle: string;
  /** the old bundle (default: the new one) */
  old?: string;
  majors: number[];
}

const stage = (s: Measured<object> | undefined, found: string): string => {
  if (!s) return '-';
  if (!s.measured) return `not measured: ${s.why}`;
  const t = (s as { seconds?: number }).seconds;
  return t === undefined ? found : `${t} s (${found})`;
};

/** One major's row (pure). */
export function compatRow(m: MajorComparison): string[] {
  if (m.presence !== 'both') return [`v${m.major}`, m.presence, '-', '-', '-', '-'];
  const c = m.collations;
  const i = m.indexes;
  const k = m.catalog;
  const w = m.walredo;
  return [
    `v${m.major}`,
    `${m.seconds ?? '-'} s`,
    stage(c, c?.measured ? `${c.changed.length} of ${c.compared} changed` : ''),
    stage(i, i?.measured ? `${i.corrupt} of ${i.checked} corrupt` : ''),
    stage(k, k?.measured ? `${k.differenceCount} of ${k.rows} rows, ${k.control.length} fields differ` : ''),
    stage(w, w?.measured ? `${w.vectors - w.identical} of ${w.vectors} pages differ` : ''),
  ];
}

export async function compatSection(opts: CompatOptions, log: Logger): Promise<SectionTable> {
  const neu = directoryInput(opts.bundle, `new ${opts.bundle}`);
  const old = directoryInput(opts.old ?? opts.bundle, `old ${opts.old ?? opts.bundle}`);
  if (!neu || !old) throw new Error(`--compat needs bundle directories (${opts.old ?? ''} ${opts.bundle})`);
  const started = Date.now();
  const report = await compareInputs(old, neu, { allowUnisolated: false, log, majors: opts.majors });
  const total = Math.round((Date.now() - started) / 100) / 10;
  return {
    title: `Compatibility measurement of a pin bump (compare ${opts.old ? 'old → new' : 'a bundle against itself'})`,
    intro: [
      `\`pg-bundle compare ${opts.old ?? opts.bundle} ${opts.bundle}\` as pin-bump runs it, one major after another: collation order of the 100,000-string corpus under every collation, the old server's indexes under the new one (amcheck, only for collations whose order changed), initdb's catalog and pg_control, walredo pages of the verify corpus.`,
      `Whole run: ${total} s for ${report.majors.length} majors (goal: 5 minutes for five).`,
    ],
    columns: ['major', 'time', 'collation order', 'indexes', 'initdb catalog', 'walredo pages'],
    rows: report.majors.map(compatRow),
    notes: [`${report.differences} differences in all`],
  };
}
