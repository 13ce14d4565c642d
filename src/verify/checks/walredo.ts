import { CheckResult, VersionManifest } from '../../core/manifest';
import { runWalRedoStage } from '../../walredo/suite';
import { WalRedoReport } from '../../walredo/suite/report';
import { Logger } from '../../util/logger';

/** One line for the checks table (pure). */
export function walRedoCheck(report: WalRedoReport): CheckResult {
  const v = report.vectors;
  const rmgrs = Object.keys(v.byRmgr).length;
  const counts = `protocol ${report.protocol.passed}/${report.protocol.passed + report.protocol.failed} passed; vectors ${v.passed} passed, ${v.failed} failed, ${v.skipped} skipped over ${rmgrs} resource managers`;
  if (report.status === 'skip')
    return { name: 'walredo', status: 'skip', detail: report.message ?? 'skipped' };
  const first = v.failures[0];
  const detail =
    report.status === 'pass'
      ? `mode ${report.mode}: ${counts}`
      : `mode ${report.mode}: ${report.message ?? counts}${first ? `; first failure: ${JSON.stringify(first).slice(0, 600)}` : ''}`;
  return { name: 'walredo', status: report.status, detail };
}

/**
 * The walredo stage of verify (issue 4): the protocol tests and every corpus vector, generated with
 * the bundle's own server. Skipped only when asked (--skip-walredo); the report records it.
 */
export async function verifyWalRedo(
  bundleDir: string,
  major: number,
  entry: VersionManifest | undefined,
  skip: boolean,
  log: Logger,
): Promise<{ check: CheckResult; report: WalRedoReport }> {
  const report = await runWalRedoStage(bundleDir, major, { skip, mode: entry?.walredo?.mode, log });
  return { check: walRedoCheck(report), report };
}
