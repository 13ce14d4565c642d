/** The compare report: its JSON shape, its count of differences and its Markdown table (pure). */
import { FieldDifference, RowDifference } from './catalog-diff';
import { CollationInfo, OrderPair } from './collation-order';

/** A stage that ran, or why it did not. */
export type Measured<T> = ({ measured: true } & T) | { measured: false; why: string };

export interface ChangedCollation {
  /** collations that sort alike on both sides; the first sorted the corpus */
  collations: string[];
  old: CollationInfo;
  new: CollationInfo;
  moved: number;
  examples: OrderPair[];
  /** the old server's index under this collation, checked by the new server (amcheck) */
  index?: { corrupt: boolean; detail: string };
}

export interface CollationReport {
  corpusStrings: number;
  probeStrings: number;
  /** collations both sides have, the groups that sort alike, and how many whole-corpus sorts ran per side */
  compared: number;
  groups: number;
  fullSorts: number;
  onlyInOld: string[];
  onlyInNew: string[];
  changed: ChangedCollation[];
  /** collations that could not sort on one side: name and error */
  errors: string[];
  seconds: number;
}

export interface IndexReport {
  checked: number;
  corrupt: number;
  seconds: number;
}

export interface CatalogReport {
  tables: number;
  rows: number;
  /** the first differences (at most 200), and how many there are */
  differences: RowDifference[];
  differenceCount: number;
  /** how many rows differ per table ("schema.table") */
  byTable: Record<string, number>;
  control: FieldDifference[];
}

export interface WalRedoPagesReport {
  source: string;
  vectors: number;
  identical: number;
  /** the first differing pages: vector, rmgr, what differs */
  differing: Array<{ vector: number; rmgr: string; detail: string }>;
  differingCount: number;
  seconds: number;
}

export interface MajorComparison {
  major: number;
  /** a major one side lacks is reported, not compared */
  presence: 'both' | 'only in old' | 'only in new';
  collations?: Measured<CollationReport>;
  indexes?: Measured<IndexReport>;
  catalog?: Measured<CatalogReport>;
  walredo?: Measured<WalRedoPagesReport>;
  seconds?: number;
}

export interface CompareReport {
  old: string;
  new: string;
  majors: MajorComparison[];
  /** changed collations + collations on one side + corrupt indexes + catalog rows/fields + pages + majors on one side */
  differences: number;
}

/** How many differences one major shows (stages that were not measured count none). */
export function majorDifferences(m: MajorComparison): number {
  if (m.presence !== 'both') return 1;
  let n = 0;
  if (m.collations?.measured)
    n += m.collations.changed.length + m.collations.onlyInOld.length + m.collations.onlyInNew.length;
  if (m.indexes?.measured) n += m.indexes.corrupt;
  if (m.catalog?.measured) n += m.catalog.differenceCount + m.catalog.control.length;
  if (m.walredo?.measured) n += m.walredo.differingCount;
  return n;
}

export function compareReport(oldLabel: string, newLabel: string, majors: MajorComparison[]): CompareReport {
  return {
    old: oldLabel,
    new: newLabel,
    majors,
    differences: majors.reduce((n, m) => n + majorDifferences(m), 0),
  };
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const quoted = (s: string) => cell(JSON.stringify(s));

function collationCell(c: Measured<CollationReport> | undefined): string {
  if (!c) return '-';
  if (!c.measured) return `not measured: ${cell(c.why)}`;
  const parts = [`${c.changed.length} of ${c.compared} changed order`];
  if (c.onlyInOld.length) parts.push(`${c.onlyInOld.length} only in old`);
  if (c.onlyInNew.length) parts.push(`${c.onlyInNew.length} only in new`);
  if (c.errors.length) parts.push(`${c.errors.length} could not sort`);
  return parts.join(', ');
}

function indexCell(i: Measured<IndexReport> | undefined): string {
  if (!i) return '-';
  if (!i.measured) return `not measured: ${cell(i.why)}`;
  return i.checked === 0 ? 'none to check' : `${i.corrupt} of ${i.checked} corrupt`;
}

function catalogCell(c: Measured<CatalogReport> | undefined): string {
  if (!c) return '-';
  if (!c.measured) return `not measured: ${cell(c.why)}`;
  const tables = Object.entries(c.byTable)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([t, n]) => `${t} ${n}`);
  const where = tables.length
    ? ` (${tables.join(', ')}${Object.keys(c.byTable).length > 3 ? ', ...' : ''})`
    : '';
  return `${c.differenceCount} of ${c.rows} rows differ${where}, ${c.control.length} pg_control fields`;
}

function walRedoCell(w: Measured<WalRedoPagesReport> | undefined): string {
  if (!w) return '-';
  if (!w.measured) return `not measured: ${cell(w.why)}`;
  return `${w.vectors - w.differingCount} of ${w.vectors} pages identical`;
}

function changedLines(m: MajorComparison): string[] {
  if (!m.collations?.measured) return [];
  return m.collations.changed.map((c) => {
    const more = c.collations.length > 1 ? ` (and ${c.collations.length - 1} alike)` : '';
    const v = (i: CollationInfo) => `${i.collversion ?? 'none'}/${i.actualVersion ?? 'none'}`;
    const ex = c.examples.map(
      (e) => `${quoted(e.old[0])} < ${quoted(e.old[1])} → ${quoted(e.new[0])} < ${quoted(e.new[1])}`,
    );
    const idx = c.index ? `; index ${c.index.corrupt ? 'corrupt' : 'ok'}` : '';
    return `| v${m.major} | ${cell(c.collations[0])}${more} | ${c.moved} | ${v(c.old)} → ${v(c.new)} | ${ex.join('; ')}${idx} |`;
  });
}

/** The Markdown table; without `times` (a pull request body) the same measurement renders the same text. */
export function renderMarkdown(r: CompareReport, { times = true } = {}): string {
  const time = (m: MajorComparison) => (times ? ` ${m.seconds ?? '-'} s |` : '');
  const rows = r.majors.map((m) =>
    m.presence !== 'both'
      ? `| v${m.major} | ${m.presence} | | | |${times ? ' |' : ''}`
      : `| v${m.major} | ${collationCell(m.collations)} | ${indexCell(m.indexes)} | ${catalogCell(m.catalog)} | ${walRedoCell(m.walredo)} |${time(m)}`,
  );
  const changed = r.majors.flatMap(changedLines);
  return [
    `### pg-bundle compare: ${r.differences === 0 ? 'no differences' : `${r.differences} differences`}`,
    '',
    `old: \`${r.old}\`, new: \`${r.new}\``,
    '',
    `| major | collation order | indexes (amcheck) | initdb catalog | walredo pages |${times ? ' time |' : ''}`,
    `|---|---|---|---|---|${times ? '---|' : ''}`,
    ...rows,
    ...(changed.length
      ? [
          '',
          '| major | collation | strings moved | collversion/actual old → new | examples (old order → new order) |',
          '|---|---|---|---|---|',
          ...changed,
        ]
      : []),
    '',
  ].join('\n');
}
