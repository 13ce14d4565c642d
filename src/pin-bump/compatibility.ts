/**
 * The measured compatibility of a pin bump (pure): compare's report of the old and the new bundle
 * summed up, stored in the pull request body as a machine-readable comment, and the verdict the
 * `pg-bundle/compatibility` commit status gives: failure when a collation changed order, an index
 * is corrupt under the new bundle, a walredo page differs or something was not measured, unless the
 * storage team accepted it with the label `compatibility-accepted`.
 */
import { CompareReport, MajorComparison } from '../compare/report';

export const COMPATIBILITY_CONTEXT = 'pg-bundle/compatibility';
export const ACCEPT_LABEL = 'compatibility-accepted';
/** GitHub refuses a commit status description longer than this. */
export const STATUS_DESCRIPTION_LIMIT = 140;

/** What the status is decided from; stored in the pull request body. */
export interface Compatibility {
  /** the pin file, and the sha256 of the old and the new bundle measured */
  pin: string;
  old?: string;
  new: string;
  /** why nothing was measured (no old pin, the old bundle could not be fetched, compare failed) */
  why?: string;
  orderChanged: number;
  corruptIndexes: number;
  pagesDiffer: number;
  /** stages and majors that were not measured: "v15 indexes: <why>", "v17: only in the new bundle" */
  notMeasured: string[];
}

/** A measurement, with compare's report and its table when compare ran. */
export interface CompatibilityResult {
  summary: Compatibility;
  report?: CompareReport;
  /** compare's Markdown table */
  markdown?: string;
}

export interface Verdict {
  state: 'success' | 'failure';
  description: string;
}

type Pins = Pick<Compatibility, 'pin' | 'old' | 'new'>;

export function notMeasured(pins: Pins, why: string): CompatibilityResult {
  return {
    summary: { ...pins, why, orderChanged: 0, corruptIndexes: 0, pagesDiffer: 0, notMeasured: [] },
  };
}

function unmeasuredStages(m: MajorComparison): string[] {
  if (m.presence !== 'both') return [`v${m.major}: ${m.presence.replace('only in', 'only in the')} bundle`];
  const stages = { collations: m.collations, indexes: m.indexes, catalog: m.catalog, walredo: m.walredo };
  return Object.entries(stages).flatMap(([name, s]) =>
    s && !s.measured ? [`v${m.major} ${name}: ${s.why}`] : [],
  );
}

/** compare's report summed up for the status. */
export function summariseCompare(report: CompareReport, pins: Pins): Compatibility {
  const sum = (f: (m: MajorComparison) => number) => report.majors.reduce((n, m) => n + f(m), 0);
  return {
    ...pins,
    orderChanged: sum((m) => (m.collations?.measured ? m.collations.changed.length : 0)),
    corruptIndexes: sum((m) => (m.indexes?.measured ? m.indexes.corrupt : 0)),
    pagesDiffer: sum((m) => (m.walredo?.measured ? m.walredo.differingCount : 0)),
    notMeasured: report.majors.flatMap(unmeasuredStages),
  };
}

const COMMENT = /<!-- pg-bundle:compatibility (\{.*?\}) -->/;

/** The comment that carries the summary in the pull request body (invisible when rendered). */
export function compatibilityComment(c: Compatibility): string {
  // `--` cannot occur inside an HTML comment: JSON escapes of it keep the comment whole
  return `<!-- pg-bundle:compatibility ${JSON.stringify(c).replace(/--/g, '-\\u002d')} -->`;
}

/** The summary stored in a pull request body, or undefined when there is none (or it is not one). */
export function readCompatibilityComment(body: string | null | undefined): Compatibility | undefined {
  const m = COMMENT.exec(body ?? '');
  if (!m) return undefined;
  try {
    const c = JSON.parse(m[1]) as Compatibility;
    const counts = [c.orderChanged, c.corruptIndexes, c.pagesDiffer];
    const valid =
      typeof c.pin === 'string' &&
      typeof c.new === 'string' &&
      counts.every((n) => Number.isInteger(n) && n >= 0) &&
      Array.isArray(c.notMeasured) &&
      c.notMeasured.every((s) => typeof s === 'string') &&
      (c.why === undefined || typeof c.why === 'string');
    return valid ? c : undefined;
  } catch {
    return undefined;
  }
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** What is wrong (empty: nothing changed and everything was measured). */
export function compatibilityProblems(c: Compatibility): string[] {
  if (c.why) return [`not measured: ${c.why}`];
  const problems: string[] = [];
  if (c.orderChanged) problems.push(`${plural(c.orderChanged, 'collation', 'collations')} changed order`);
  if (c.corruptIndexes)
    problems.push(`${plural(c.corruptIndexes, 'index', 'indexes')} corrupt under the new bundle`);
  if (c.pagesDiffer)
    problems.push(`${plural(c.pagesDiffer, 'walredo page differs', 'walredo pages differ')}`);
  if (c.notMeasured.length)
    problems.push(
      `not measured: ${c.notMeasured[0]}${c.notMeasured.length > 1 ? ` (and ${c.notMeasured.length - 1} more)` : ''}`,
    );
  return problems;
}

function shortened(text: string): string {
  return text.length <= STATUS_DESCRIPTION_LIMIT ? text : `${text.slice(0, STATUS_DESCRIPTION_LIMIT - 1)}…`;
}

/**
 * The status from the stored summary (undefined: none, or `stale` says why it no longer applies)
 * and the pull request's labels.
 */
export function compatibilityVerdict(
  c: Compatibility | undefined,
  labels: string[],
  stale?: string,
): Verdict {
  const problems = stale
    ? [`not measured: ${stale}`]
    : c
      ? compatibilityProblems(c)
      : ['not measured: the pull request body holds no pg-bundle compatibility result; run pin-bump again'];
  if (problems.length === 0)
    return { state: 'success', description: 'measured: no collation order, index or walredo page changed' };
  // the label accepts a measurement, never a pin that was not the one measured
  if (labels.includes(ACCEPT_LABEL) && !stale)
    return {
      state: 'success',
      description: shortened(`accepted by the storage team (${ACCEPT_LABEL}): ${problems.join('; ')}`),
    };
  return { state: 'failure', description: shortened(problems.join('; ')) };
}
