/** The conformance report: `{ versions: { "15": { checks: [...] , ...facts } } }` and its renderings (pure). */
import { CheckResult, Manifest, VersionConformance } from '../core/manifest';
import { WalRedoReport } from '../walredo/suite/report';

export interface VerifyReport {
  versions: Record<string, VersionConformance>;
}

export function failedChecks(report: VerifyReport): Array<{ version: string; check: CheckResult }> {
  const failed: Array<{ version: string; check: CheckResult }> = [];
  for (const [version, v] of Object.entries(report.versions)) {
    for (const check of v.checks) if (check.status === 'fail') failed.push({ version, check });
  }
  return failed;
}

/** True when no check of any version failed (skips follow only from a failure or an explicit option). */
export function reportPassed(report: VerifyReport): boolean {
  return Object.keys(report.versions).length > 0 && failedChecks(report).length === 0;
}

const ICON: Record<CheckResult['status'], string> = { pass: '✅ pass', fail: '❌ fail', skip: '⏭️ skip' };

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

/** A Markdown table for the job summary. */
export function renderMarkdown(report: VerifyReport): string {
  const lines = [
    `### pg-bundle verify: ${reportPassed(report) ? 'passed' : 'FAILED'}`,
    '',
    '| Version | Check | Status | Detail |',
    '| --- | --- | --- | --- |',
  ];
  for (const [version, v] of Object.entries(report.versions)) {
    for (const c of v.checks)
      lines.push(`| v${version} | ${c.name} | ${ICON[c.status]} | ${cell(c.detail)} |`);
  }
  const facts = Object.entries(report.versions).filter(([, v]) => v.collation || v.catalogVersion);
  if (facts.length > 0) {
    lines.push(
      '',
      '| Version | Catalog version | ICU collation version | libc collation version | datcollate | datctype | provider |',
      '| --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const [version, v] of facts) {
      const c = v.collation ?? {};
      lines.push(
        `| v${version} | ${v.catalogVersion ?? ''} | ${c.icuCollationVersion ?? ''} | ${c.libcCollationVersion ?? ''} | ${c.datcollate ?? ''} | ${c.datctype ?? ''} | ${c.datlocprovider ?? ''} |`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** A plain table for the terminal: one line per check, long details indented below. */
export function renderTerminal(report: VerifyReport): string {
  const rows: Array<[string, string, string, string]> = [];
  for (const [version, v] of Object.entries(report.versions)) {
    for (const c of v.checks) rows.push([`v${version}`, c.name, c.status.toUpperCase(), c.detail]);
  }
  const w0 = Math.max(7, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  const out = [`${'version'.padEnd(w0)}  ${'check'.padEnd(w1)}  status  detail`];
  for (const [v, name, status, detail] of rows) {
    const [first, ...rest] = detail.split('\n');
    out.push(`${v.padEnd(w0)}  ${name.padEnd(w1)}  ${status.padEnd(6)}  ${first}`);
    for (const line of rest) out.push(`${' '.repeat(w0 + w1 + 12)}${line}`);
  }
  return out.join('\n') + '\n';
}

/** Puts each version's conformance into the manifest (versions the manifest lacks are left out). */
export function mergeConformance(manifest: Manifest, report: VerifyReport): Manifest {
  const versions = { ...manifest.versions };
  for (const [v, conformance] of Object.entries(report.versions)) {
    if (!versions[v]) continue;
    const rmgrs = (conformance.walredo as WalRedoReport | undefined)?.rmgrs;
    versions[v] = {
      ...versions[v],
      ...(rmgrs ? { walredo: { ...versions[v].walredo, rmgrs } } : {}),
      conformance: { ...versions[v].conformance, ...conformance },
    };
  }
  return { ...manifest, versions };
}
