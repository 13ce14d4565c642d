import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { boolOption, CommandContext, CommandHandler, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { parseVersions } from '../source/spec';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import { IsolationMethod, probeIsolation } from '../verify/sandbox';
import { fetchAccess } from '../fetch/temp';
import { compareBundles } from './compare';
import { CompareInput, readInput } from './input';
import { CompareReport, renderMarkdown } from './report';

/** The sandbox compare's clusters run in: probed like verify's, unisolated only when allowed. */
export async function isolation(allowUnisolated: boolean, log: Logger): Promise<IsolationMethod> {
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

/** Runs the real compare of two inputs (compare's command, and pin-bump's measurement). */
export async function compareInputs(
  old: CompareInput,
  neu: CompareInput,
  settings: { allowUnisolated: boolean; log: Logger; majors?: number[] },
): Promise<CompareReport> {
  const method = await isolation(settings.allowUnisolated, settings.log);
  return compareBundles({ old, new: neu, majors: settings.majors, method, log: settings.log });
}

/** The majors --pg asks for, refused when neither bundle has one of them. */
function askedMajors(options: RawOptions, old: CompareInput, neu: CompareInput): number[] | undefined {
  const pg = stringOption(options, 'pg');
  const majors = pg ? parseVersions(pg) : undefined;
  for (const m of majors ?? [])
    if (!old.majors.includes(m) && !neu.majors.includes(m))
      throw new UserError(
        `neither bundle has v${m} (old: ${old.majors.join(', ')}; new: ${neu.majors.join(', ')})`,
      );
  return majors;
}

/**
 * `pg-bundle compare <old> <new>`, each a bundle directory, a pin file or a release
 * (`owner/name@tag`): writes the JSON report (--report, default compare.json), prints the Markdown
 * table; exit 0 only when every stage was measured and nothing differs.
 */
export const compareCommand: CommandHandler = async (options, ctx) => {
  const [oldArg, newArg, ...extra] = ctx.args;
  if (extra.length) throw new UserError(`compare takes two bundles, got ${ctx.args.length} arguments`);
  const access = fetchAccess(options, ctx);
  const old = await readInput(oldArg, 'old', access);
  try {
    const neu = await readInput(newArg, 'new', access);
    try {
      return await compareAndReport(options, ctx, old, neu);
    } finally {
      neu.cleanup?.();
    }
  } finally {
    old.cleanup?.();
  }
};

async function compareAndReport(
  options: RawOptions,
  ctx: CommandContext,
  old: CompareInput,
  neu: CompareInput,
): Promise<number> {
  const majors = askedMajors(options, old, neu);
  const allowUnisolated = boolOption(options, 'allowUnisolated');
  const report = await compareInputs(old, neu, { allowUnisolated, log: ctx.log, majors });
  const reportPath = resolve(stringOption(options, 'report') ?? 'compare.json');
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
  await ctx.addSummary(renderMarkdown(report));
  ctx.setOutput('report-path', reportPath);
  ctx.setOutput('differences', String(report.differences));
  if (!everythingMeasured(report)) ctx.log.warn('compare: some stages were not measured (see the table)');
  return report.differences === 0 && everythingMeasured(report) ? 0 : 1;
}
