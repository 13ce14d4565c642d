/** The benchmark result (JSON) and its Markdown table (pure). */
import { describeMachine, MachineInfo } from './machine';
import { ratio, Summary } from './stats';

export type Subject = 'static' | 'dynamic' | 'embedded';
export const SUBJECTS: Subject[] = ['static', 'dynamic', 'embedded'];

export type Cell =
  | { kind: 'summary'; unit: string; summary: Summary }
  | { kind: 'value'; unit: string; value: number; note?: string }
  | { kind: 'text'; text: string }
  | { kind: 'na'; reason: string };

export interface Row {
  metric: string;
  /** which direction is better, for the ratio column's reading */
  better?: 'lower' | 'higher';
  /** the cells were not measured alike (e.g. one build per bundle, whatever its cache): no ratio */
  noRatio?: boolean;
  cells: Partial<Record<Subject, Cell>>;
}

export interface SubjectInfo {
  label: string;
  /** where it came from: a path, or the npm package and version */
  origin: string;
  postgres?: string;
  walredo?: string;
}

export interface VersionResult {
  major: number;
  subjects: Partial<Record<Subject, SubjectInfo>>;
  corpus?: { source: string; vectors: number; records: number };
  rows: Row[];
  notes: string[];
}

/** A table of the storage-scale sections (many processes, native timings, all majors): text cells. */
export interface SectionTable {
  title: string;
  /** what was measured and how, one line each, above the table */
  intro: string[];
  columns: string[];
  rows: string[][];
  notes: string[];
}

export interface BenchResult {
  date: string;
  tool: string;
  machine: MachineInfo;
  settings: Record<string, string | number | boolean>;
  durationSeconds: number;
  versions: VersionResult[];
  sections?: SectionTable[];
}

const na = (reason: string): Cell => ({ kind: 'na', reason });

export function summaryCell(unit: string, summary: Summary | undefined, why = 'not measured'): Cell {
  return summary ? { kind: 'summary', unit, summary } : na(why);
}

function fmt(n: number): string {
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

export function formatCell(c: Cell | undefined): string {
  if (!c) return '';
  switch (c.kind) {
    case 'summary': {
      const s = c.summary;
      return `${fmt(s.median)} ${c.unit} (p95 ${fmt(s.p95)}, IQR ${s.iqrPct.toFixed(0)}%, n=${s.n})`;
    }
    case 'value':
      return c.unit === 'bytes'
        ? `${formatBytes(c.value)}${c.note ? ` ${c.note}` : ''}`
        : `${fmt(c.value)} ${c.unit}${c.note ? ` ${c.note}` : ''}`;
    case 'text':
      return c.text;
    case 'na':
      return `n/a (${c.reason})`;
  }
}

function central(c: Cell | undefined): number | undefined {
  if (c?.kind === 'summary') return c.summary.median;
  if (c?.kind === 'value') return c.value;
  return undefined;
}

/** static ÷ dynamic of the medians, e.g. "0.62×"; empty when either side has no number. */
export function ratioText(row: Row): string {
  if (row.noRatio) return '';
  const r = ratio(central(row.cells.static), central(row.cells.dynamic));
  return r === undefined ? '' : `${r.toFixed(2)}×`;
}

const escape = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A Markdown table of text cells; short rows are padded with empty cells. */
export function markdownTable(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map(escape).join(' | ')} |`;
  const pad = (r: readonly string[]) => [
    ...r,
    ...Array<string>(Math.max(0, columns.length - r.length)).fill(''),
  ];
  return [line(columns), `|${columns.map(() => '---').join('|')}|`, ...rows.map((r) => line(pad(r)))].join(
    '\n',
  );
}

export function sectionMarkdown(t: SectionTable): string {
  const out = [`### ${t.title}`, ''];
  if (t.intro.length) out.push(...t.intro.map((l) => `- ${l}`), '');
  out.push(markdownTable(t.columns, t.rows), '');
  if (t.notes.length) out.push(...t.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

export function versionTable(v: VersionResult): string {
  const has = (s: Subject) => v.subjects[s] !== undefined;
  const subjects = SUBJECTS.filter(has);
  const head = (s: Subject) => {
    const info = v.subjects[s]!;
    return `${info.label}${info.postgres ? ` ${info.postgres}` : ''}`;
  };
  const cols = ['metric', ...subjects.map(head)];
  const ratioAt = subjects.includes('static') && subjects.includes('dynamic') ? 3 : -1;
  if (ratioAt > 0) cols.splice(ratioAt, 0, 'static ÷ dynamic');
  const lines = [`| ${cols.map(escape).join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`];
  for (const row of v.rows) {
    const cells = [
      row.metric + (row.better ? ` (${row.better} is better)` : ''),
      ...subjects.map((s) => formatCell(row.cells[s])),
    ];
    if (ratioAt > 0) cells.splice(ratioAt, 0, ratioText(row));
    lines.push(`| ${cells.map(escape).join(' | ')} |`);
  }
  return lines.join('\n');
}

export function renderMarkdown(r: BenchResult): string {
  const out = [
    `## Benchmark ${r.date}`,
    '',
    `Machine: ${describeMachine(r.machine)}. pg-bundle ${r.tool}; took ${Math.round(r.durationSeconds)} s.`,
    `Settings: ${Object.entries(r.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
    '',
  ];
  for (const v of r.versions) {
    out.push(`### PostgreSQL ${v.major}`, '');
    for (const s of SUBJECTS) {
      const info = v.subjects[s];
      if (info)
        out.push(`- ${info.label}: ${info.origin}${info.walredo ? `; walredo: ${info.walredo}` : ''}`);
    }
    if (v.corpus)
      out.push(
        `- corpus: ${v.corpus.vectors} redo requests, ${v.corpus.records} records (${v.corpus.source})`,
      );
    out.push('', versionTable(v), '');
    if (v.notes.length) out.push(...v.notes.map((n) => `- ${n}`), '');
  }
  for (const t of r.sections ?? []) out.push(sectionMarkdown(t));
  return out.join('\n');
}

/** A duration given in µs, in µs below 1 ms and in ms above (pure). */
export function formatMicros(us: number): string {
  return us >= 1000 ? `${fmt(us / 1000)} ms` : `${fmt(us)} µs`;
}

/** "1.13 ms (min 0.95, p95 4.01, IQR 12%, n=200)" for samples in µs (pure). */
export function microsSummaryText(s: Summary): string {
  const unit = s.median >= 1000 ? 1000 : 1;
  const f = (x: number) => fmt(x / unit);
  return `${formatMicros(s.median)} (min ${f(s.min)}, p95 ${f(s.p95)}, IQR ${s.iqrPct.toFixed(0)}%, n=${s.n})`;
}

/** "2.31×", or '' without a floor (pure). */
export function timesText(value: number, floor: number | undefined): string {
  return floor ? `${(value / floor).toFixed(2)}×` : '';
}
