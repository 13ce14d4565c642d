import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { boolOption, CommandHandler, stringOption } from '../core/context';
import { parseVersions } from '../source/spec';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import { IsolationMethod, probeIsolation } from '../verify/sandbox';
import { compareBundles } from './compare';
import { readInput } from './input';
import { CompareReport, renderMarkdown } from './report';

/** The sandbox compare's clusters run in: probed like verify's, unisolated only when allowed. */
async function isolation(allowUnisolated: boolean, log: Logger): Promise<IsolationMethod> {
  const probe = await probeIsolation();
  if (probe.method) return probe.method;
  if (!allowUnisolated)
    throw new UserError(
      `compare runs initdb in an empty root, and neither bwrap nor unshare+chroot works here (${probe.notes.join('; ')}); pass --allow-unisolated to run on the host`,
    );
  log.warn(`no isolation method: running the clusters on the host (--allow-unisolated)`);
  return 'unisolated';
}

/** Whether every stage of every major was measured. */
export function everythingMeasured(report: CompareReport): boolean {
  return report.majors.every((m) =>
    [m.collations, m.indexes, m.catalog, m.walredo].every((s) => s === undefined || s.measured),
  );
}

/**
 * `pg-bundle compare <old> <new>`: writes the JSON report (--report, default compare.json), prints
 * the Markdown table; exit 0 only when every stage was measured and nothing differs.
 */
export const compareCommand: CommandHandler = async (options, ctx) => {
  const [oldArg, newArg, ...extra] = ctx.args;
  if (extra.length)
    throw new UserError(`compare takes two bundle directories, got ${ctx.args.length} arguments`);
  const old = await readInput(oldArg, 'old');
  const neu = await readInput(newArg, 'new');
  const pg = stringOption(options, 'pg');
  const majors = pg ? parseVersions(pg) : undefined;
  for (const m of majors ?? [])
    if (!old.majors.includes(m) && !neu.majors.includes(m))
      throw new UserError(
        `neither bundle has v${m} (old: ${old.majors.join(', ')}; new: ${neu.majors.join(', ')})`,
      );
  const method = await isolation(boolOption(options, 'allowUnisolated'), ctx.log);
  const report = await compareBundles({ old, new: neu, majors, method, log: ctx.log });

  const reportPath = resolve(stringOption(options, 'report') ?? 'compare.json');
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
  await ctx.addSummary(renderMarkdown(report));
  ctx.setOutput('report-path', reportPath);
  ctx.setOutput('differences', String(report.differences));
  if (!everythingMeasured(report)) ctx.log.warn('compare: some stages were not measured (see the table)');
  return report.differences === 0 && everythingMeasured(report) ? 0 : 1;
};
