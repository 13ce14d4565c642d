/**
 * Title and body of the pin-bump pull request (pure). GitHub limits a body to 65,536 characters:
 * if the full text would be longer, the per-version tables, then the measured compare table, then
 * the risk list are shortened.
 */
import { ArchitectureReport, architectureReport } from './architectures';
import { compatibilityComment, CompatibilityResult } from './compatibility';
import { pinnedPlatforms, primaryBundle } from '../pin/pinned';
import { PinFile, PinnedBundle, PinnedVersion } from '../pin/types';
import { ManifestSet, RiskItem } from './risk';
import { humanSize } from '../util/size';

export const PR_BODY_LIMIT = 65_536;
export const PR_MARKER = '<!-- pg-bundle:pin-bump -->';

export interface PrBodyInput {
  oldPin?: PinFile;
  newPin: PinFile;
  pinPath: string;
  risks: RiskItem[];
  /** link to the conformance report (default: the pin's manifestUrl) */
  conformanceUrl?: string;
  /** notes shown above the tables (e.g. the old pin did not follow the schema) */
  notes?: string[];
  /** compare's measurement of the old bundle against the new one (or why there is none) */
  compatibility?: CompatibilityResult;
  /** the new release's manifests (one per platform): their cross-architecture results join the Risk section */
  manifests?: ManifestSet;
}

export function prTitle(newPin: PinFile): string {
  return `Bump PostgreSQL bundle to ${newPin.tag}`;
}

function sizeDelta(oldSize: number, newSize: number): string {
  const d = newSize - oldSize;
  if (d === 0) return '';
  return ` (${d > 0 ? '+' : '−'}${humanSize(Math.abs(d))})`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string | null | undefined): string {
  return text === null || text === undefined ? '—' : `\`${cell(text)}\``;
}

interface Row {
  label: string;
  old: string;
  new: string;
  changed: boolean;
}

function rows(a: PinnedVersion | undefined, b: PinnedVersion | undefined): Row[] {
  const val = <T>(v: PinnedVersion | undefined, f: (v: PinnedVersion) => T) => (v ? f(v) : undefined);
  const collation = (v: PinnedVersion) => {
    const c = v.collation;
    if (c.datcollate === null && c.datctype === null && c.provider === null) return 'not measured';
    const locale =
      c.datcollate === c.datctype
        ? `${c.datcollate ?? '?'}`
        : `${c.datcollate ?? '?'} / ctype ${c.datctype ?? '?'}`;
    return `${locale} (${c.provider ?? '?'})`;
  };
  const list: Array<[string, (v: PinnedVersion) => string | null]> = [
    ['PostgreSQL version', (v) => v.postgresVersion],
    ['Source revision', (v) => v.sourceRevision],
    ['Catalog version', (v) => String(v.catalogVersion)],
    ['ICU', (v) => v.icuVersion ?? 'none'],
    ['ICU collation version', (v) => v.collation.icuCollationVersion],
    ['libc (glibc)', (v) => v.libcVersion],
    ['libc collation version', (v) => v.collation.libcCollationVersion],
    ['Default collation', collation],
  ];
  const out: Row[] = list.map(([label, f]) => {
    const o = val(a, f);
    const n = val(b, f);
    const fmt = (x: string | null | undefined, present: boolean) =>
      !present ? '—' : x === null ? 'not measured' : label === 'Default collation' ? cell(x ?? '') : code(x);
    return { label, old: fmt(o, a !== undefined), new: fmt(n, b !== undefined), changed: o !== n };
  });
  const os = a?.bundleSize;
  const ns = b?.bundleSize;
  out.push({
    label: 'Bundle size',
    old: os === undefined ? '—' : humanSize(os),
    new: ns === undefined ? '—' : humanSize(ns) + (os !== undefined ? sizeDelta(os, ns) : ''),
    changed: os !== ns,
  });
  return out;
}

function versionTable(
  major: string,
  a: PinnedVersion | undefined,
  b: PinnedVersion | undefined,
  riskyLabels: Set<string>,
): string {
  const title = !a ? `v${major} (new)` : !b ? `v${major} (removed)` : `v${major}`;
  const lines = [`### ${title}`, '', '| | old | new |', '|---|---|---|'];
  for (const r of rows(a, b)) {
    const mark = riskyLabels.has(r.label) ? ' ⚠️' : r.changed && a && b ? ' •' : '';
    lines.push(`| ${r.label} | ${r.old} | ${r.new}${mark} |`);
  }
  return lines.join('\n');
}

const LABEL_OF_KIND: Partial<Record<RiskItem['kind'], string>> = {
  'catalog-version': 'Catalog version',
  'icu-version': 'ICU',
  'icu-collation-version': 'ICU collation version',
  'libc-version': 'libc (glibc)',
  'libc-collation-version': 'libc collation version',
  'default-locale': 'Default collation',
  'locale-provider': 'Default collation',
  'postgres-major': 'PostgreSQL version',
};

function riskSection(risks: RiskItem[], firstPin: boolean, maxItems = Infinity): string {
  const lines = ['## Risk', ''];
  const real = risks.filter((r) => r.kind !== 'not-measured' && r.kind !== 'wal-sample-passed');
  const unmeasured = risks.filter((r) => r.kind === 'not-measured');
  const samples = risks.filter((r) => r.kind === 'wal-sample-passed');
  if (real.length === 0) {
    lines.push(
      firstPin
        ? 'First pin in this repository: nothing to compare with.'
        : '✅ No change that can alter collation or on-disk results: ICU, glibc, default locale and provider, and catalog versions are unchanged.',
    );
  } else {
    lines.push(
      `⚠️ **${real.length} change(s) can alter collation or on-disk results.** Review with the storage team before merging:`,
      '',
    );
    for (const r of real.slice(0, maxItems))
      lines.push(
        `- **v${r.version}${onPlatforms(r)}: ${r.what}** \`${cell(r.old)}\` → \`${cell(r.new)}\`: ${r.why}.`,
      );
    if (real.length > maxItems)
      lines.push(`- … and ${real.length - maxItems} more (shortened to fit GitHub's body limit).`);
  }
  for (const r of samples) lines.push('', `✅ **v${r.version}: ${r.what}**, ${cell(r.old)}: ${cell(r.new)}.`);
  if (unmeasured.length > 0) {
    lines.push(
      '',
      `⚠️ **Not measured** (verify did not record these facts, so a change cannot be ruled out): ${unmeasured
        .slice(0, maxItems)
        .map((r) => `v${r.version}${onPlatforms(r)} ${r.what}`)
        .join(', ')}${unmeasured.length > maxItems ? ', …' : ''}.`,
    );
  }
  return lines.join('\n');
}

/** " (linux-aarch64)" for an item that concerns only some platforms of the new pin. */
const onPlatforms = (r: RiskItem) => (r.platforms ? ` (${r.platforms.join(', ')})` : '');

const ARCH_WHY =
  'a page the storage service writes on one architecture is read and redone on the other: a library or collation that differs between them can sort or redo differently';

/** "initdb identical, 812 pages compared, 0 differ (linux-aarch64 against linux-x86_64)", or why unknown. */
function equalityLine(e: ArchitectureReport['equality'][number]): string {
  if (!e.result)
    return `- v${e.version}: cross-architecture equality **not measured** (no manifest of this release records it)`;
  const r = e.result;
  const files = r.initdbFilesCompared !== undefined ? ` (${r.initdbFilesCompared} files compared)` : '';
  const pages =
    r.pagesCompared === undefined
      ? 'walredo pages not compared'
      : `${r.pagesCompared} walredo pages compared, ${r.pagesDiffering ?? 'an unknown number'} differ`;
  const verdict = r.initdbIdentical === true && (r.pagesDiffering ?? 0) === 0 ? '✅' : '⚠️';
  const initdb =
    r.initdbIdentical === undefined ? 'not compared' : r.initdbIdentical ? 'identical' : '**differs**';
  return `- ${verdict} v${e.version}: ${cell(e.platform)} against ${cell(r.comparedWith)}: initdb ${initdb}${files}; ${pages}`;
}

/** The Risk section's part on the architectures of a release of several platforms ('' for one). */
export function architectureSection(report: ArchitectureReport, maxItems = Infinity): string {
  if (report.platforms.length < 2) return '';
  const lines = [`### Between the architectures of this release (${report.platforms.join(', ')})`, ''];
  if (report.differences.length === 0)
    lines.push('No difference in ICU, glibc, collation, walredo, linked-in libraries or bundle size.');
  else {
    lines.push(`${report.differences.length} difference(s): ${ARCH_WHY}.`, '');
    lines.push(`| Version | What | ${report.platforms.map(cell).join(' | ')} |`);
    lines.push(`|---|---|${report.platforms.map(() => '---|').join('')}`);
    for (const d of report.differences.slice(0, maxItems))
      lines.push(
        `| v${d.version} | ${cell(d.what)} | ${report.platforms.map((p) => code(d.values[p])).join(' | ')} |`,
      );
    if (report.differences.length > maxItems)
      lines.push(
        '',
        `… and ${report.differences.length - maxItems} more (shortened to fit GitHub's body limit).`,
      );
  }
  lines.push('', ...report.equality.map(equalityLine));
  return lines.join('\n');
}

const MEASURED_TITLE = '### Measured: the old and the new bundle side by side (`pg-bundle compare`)';

/**
 * The measured part of the Risk section: compare's table, cut to `maxChars` with a note (the whole
 * report is the pin-bump job's <out>/pin-bump/compare.json), or "not measured: <why>".
 */
export function measuredSection(result: CompatibilityResult | undefined, maxChars = Infinity): string {
  if (!result) return '';
  const why = result.summary.why;
  if (!result.markdown) return `${MEASURED_TITLE}\n\nnot measured: ${cell(why ?? 'compare did not run')}`;
  // compare's own heading becomes a line under ours
  const lines = result.markdown
    .trimEnd()
    .replace(/^### /, '**')
    .replace(/^(\*\*[^\n]*)/, '$1**')
    .split('\n');
  const note = (n: number) =>
    `\n\n… ${n} more lines of the table left out to fit GitHub's body limit: the whole report is <out>/pin-bump/compare.json of the pin-bump job.`;
  let text = MEASURED_TITLE + '\n';
  for (let i = 0; i < lines.length; i++) {
    if (text.length + lines[i].length + 1 + note(lines.length).length > maxChars)
      return text.trimEnd() + note(lines.length - i);
    text += '\n' + lines[i];
  }
  return text;
}

/** The pull request body (pure), always under PR_BODY_LIMIT characters. */
export function renderPrBody(input: PrBodyInput): string {
  const { oldPin, newPin, pinPath, risks } = input;
  const shown = primaryBundle(newPin);
  // the tables compare the first platform's bundle with the old pin's of the same platform
  const oldShown: PinnedBundle | undefined =
    oldPin && (oldPin.platforms[shown.platform] ?? primaryBundle(oldPin));
  const conformance = input.conformanceUrl ?? shown.manifestUrl;
  const several = pinnedPlatforms(newPin).length > 1;
  const bundleLines = pinnedPlatforms(newPin).map((p) => {
    const b = newPin.platforms[p];
    return `- Bundle${several ? ` (${p})` : ''}: [\`${cell(b.assetName)}\`](${b.assetUrl}), sha256 \`${b.sha256}\``;
  });
  const header = [
    PR_MARKER,
    ...(input.compatibility ? [compatibilityComment(input.compatibility.summary)] : []),
    `This pull request moves \`${pinPath}\` ${oldPin ? `from \`${cell(oldPin.tag)}\` ` : ''}to pg-bundle release [\`${cell(newPin.tag)}\`](${newPin.releaseUrl}).`,
    '',
    ...(input.notes ?? []).map((n) => `> ${cell(n)}`),
    ...(input.notes?.length ? [''] : []),
  ].join('\n');
  const links = [
    '## Links',
    '',
    `- Release: ${newPin.releaseUrl}`,
    `- Conformance report: ${conformance ?? 'not published with this release'}`,
    ...bundleLines,
    ...(oldPin ? [`- Previous release: ${oldPin.releaseUrl}`] : []),
    '',
    '<sub>Opened by `pg-bundle pin-bump`. Re-running it with a newer release updates this pull request.</sub>',
  ].join('\n');

  const majors = [
    ...new Set([...Object.keys(oldShown?.versions ?? {}), ...Object.keys(shown.versions)]),
  ].sort((x, y) => Number(x) - Number(y));
  const riskyLabels = (major: string) =>
    new Set(
      risks
        .filter((r) => r.version === major && r.kind !== 'not-measured' && r.kind !== 'wal-sample-passed')
        .map((r) => LABEL_OF_KIND[r.kind] ?? ''),
    );
  const tables = majors.map((m) => versionTable(m, oldShown?.versions[m], shown.versions[m], riskyLabels(m)));
  if (several)
    tables.unshift(
      `Tables of the ${shown.platform} bundle; the other architectures' differences are under Risk.`,
    );
  const architectures = architectureReport(newPin, input.manifests);

  const assemble = (risk: string, tableText: string) =>
    [header, risk, '## Versions', tableText, links].join('\n\n').replace(/\n{3,}/g, '\n\n') + '\n';
  const risk = (maxItems = Infinity, measured = measuredSection(input.compatibility)) => {
    const arch = architectureSection(architectures, maxItems);
    return (
      riskSection(risks, !oldPin, maxItems) +
      (arch ? `\n\n${arch}` : '') +
      (measured ? `\n\n${measured}` : '')
    );
  };

  const full = assemble(risk(), tables.join('\n\n'));
  if (full.length <= PR_BODY_LIMIT) return full;

  // Too long: keep the risk section, summarise the tables.
  const summary = `${majors.length} versions; tables omitted to fit GitHub's body limit. Full details: ${conformance ?? newPin.releaseUrl}`;
  const shorter = assemble(risk(), summary);
  if (shorter.length <= PR_BODY_LIMIT) return shorter;
  // Then cut the measured table to the room the rest leaves.
  const room = PR_BODY_LIMIT - assemble(risk(Infinity, ''), summary).length - 2;
  const cut = assemble(risk(Infinity, measuredSection(input.compatibility, room)), summary);
  if (cut.length <= PR_BODY_LIMIT) return cut;
  for (let max = 200; max >= 0; max = max > 10 ? Math.floor(max / 2) : max - 1) {
    const text = assemble(risk(max, measuredSection(input.compatibility, 0)), summary);
    if (text.length <= PR_BODY_LIMIT) return text;
  }
  return (header + '\n' + links).slice(0, PR_BODY_LIMIT - 1) + '\n';
}
