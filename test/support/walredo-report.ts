/** The walredo stage's report as Markdown, for test logs. */
import { VectorFailure, WalRedoReport } from '../../src/walredo/suite/report';

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

/** A failed vector with its problems and hex diff, as test logs show it. */
export function describeFailure(f: VectorFailure): string {
  const lines = [
    `vector ${f.vector} (${f.rmgr}, ${f.kind}) ${f.tag}${f.blockId !== undefined ? ` (block ref #${f.blockId})` : ''} at ${f.lsn}:`,
    ...f.problems.map((p) => `  ${p}`),
  ];
  if (f.diff) {
    lines.push(
      `  bytes from page offset ${f.diff.hexFrom} (first difference at ${f.diff.offset}, ${f.diff.region}):`,
    );
    lines.push(`    expected ${f.diff.expectedHex}`);
    lines.push(`    actual   ${f.diff.actualHex}`);
  }
  return lines.join('\n');
}
