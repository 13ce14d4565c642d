import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { boolOption, CommandHandler, stringOption } from '../core/context';
import { listVersionDirs } from '../core/bundle-files';
import { manifestJson, readManifestFile } from '../core/manifest-file';
import { parseVersions } from '../source/spec';
import { UserError } from '../util/errors';
import { failedChecks, mergeConformance, renderMarkdown, renderTerminal, reportPassed } from './report';
import { verifyBundle } from './verify';

/** The versions a bundle directory holds (its vNN/ directories). */
export function bundleMajors(bundleDir: string): number[] {
  const majors = listVersionDirs(bundleDir);
  if (majors.length === 0)
    throw new UserError(
      `${bundleDir} holds no vNN/ bundle directory`,
      'pass the out directory of `pg-bundle build`',
    );
  return majors;
}

/**
 * `pg-bundle verify <bundle-dir> [--pg 15,18] [--report file]`: writes the JSON report (default
 * <bundle>/conformance.json), merges it into <bundle>/manifest.json when there is one, prints a
 * table and adds a Markdown table to the job summary. Exit code 0 only when every check passed.
 */
export const verifyCommand: CommandHandler = async (options, ctx) => {
  const bundleDir = resolve(ctx.args[0] ?? stringOption(options, 'out') ?? 'out');
  const pg = stringOption(options, 'pg');
  const majors = pg ? parseVersions(pg) : bundleMajors(bundleDir);
  if (stringOption(options, 'wal') && boolOption(options, 'skipWalredo'))
    throw new UserError(
      '--wal gives walredo a sample to replay, and --skip-walredo skips walredo',
      'drop one of the two',
    );
  const report = await verifyBundle({
    bundleDir,
    majors,
    allowUnisolated: boolOption(options, 'allowUnisolated'),
    skipWalredo: boolOption(options, 'skipWalredo'),
    walSample: stringOption(options, 'wal'),
    crossCheck: stringOption(options, 'crossCheck'),
    cacheDir: stringOption(options, 'cacheDir'),
    log: ctx.log,
  });

  const reportPath = resolve(stringOption(options, 'report') ?? join(bundleDir, 'conformance.json'));
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, JSON.stringify(report, null, 2) + '\n');
  const manifestPath = join(bundleDir, 'manifest.json');
  // publish reads the conformance from the manifest: a report that cannot be merged fails verify
  let notMerged: string | undefined;
  if (existsSync(manifestPath)) {
    try {
      writeFileSync(manifestPath, manifestJson(mergeConformance(readManifestFile(manifestPath), report)));
    } catch (err) {
      notMerged = `conformance could not be merged into ${manifestPath}: ${(err as Error).message.split('\n')[0]} (rebuild the bundle and verify again)`;
    }
  }

  for (const line of renderTerminal(report).trimEnd().split('\n')) ctx.log.info(line);
  await ctx.addSummary(renderMarkdown(report));
  ctx.setOutput('report-path', reportPath);
  const passed = reportPassed(report) && !notMerged;
  ctx.setOutput('verified', String(passed));
  if (notMerged) ctx.log.error(notMerged);
  if (!passed) {
    for (const { version, check } of failedChecks(report))
      ctx.log.error(`v${version} ${check.name}: ${check.detail.split('\n')[0]}`);
    return 1;
  }
  ctx.log.info(`verify: all checks of ${majors.map((m) => `v${m}`).join(', ')} passed; report ${reportPath}`);
  return 0;
};
