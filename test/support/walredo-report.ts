/** The walredo stage's report as Markdown, for test logs. */
import { describeFailure, WalRedoReport } from '../../src/walredo/suite/report';

export function reportMarkdown(major: number, r: WalRedoReport): string {
  const lines = [`### walredo v${major}: ${r.status}${r.message ? ` - ${r.message}` : ''}`, ''];
  lines.push(
    `mode: ${r.mode}; protocol tests ${r.protocol.passed} passed, ${r.protocol.failed} failed; vectors ${r.vectors.passed} passed, ${r.vectors.failed} failed, ${r.vectors.skipped} skipped`,
  );
  const rmgrs = Object.entries(r.vectors.byRmgr).sort(([a], [b]) => a.localeCompare(b));
  if (rmgrs.length) {
    lines.push('', '| rmgr | passed | failed | skipped |', '| --- | ---: | ---: | ---: |');
    for (const [name, c] of rmgrs) lines.push(`| ${name} | ${c.passed} | ${c.failed} | ${c.skipped} |`);
  }
  const failedTests = r.protocol.tests.filter((t) => !t.passed);
  if (failedTests.length) {
    lines.push('', 'Failed protocol tests:');
    for (const t of failedTests) lines.push(`- ${t.name}: ${t.detail.split('\n')[0]}`);
  }
  if (r.vectors.failures.length) {
    lines.push('', '```', ...r.vectors.failures.slice(0, 5).map(describeFailure), '```');
  }
  return lines.join('\n');
}
