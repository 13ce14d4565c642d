import { chmodSync, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CheckResult, VersionManifest } from '../../core/manifest';
import { runWalRedoStage } from '../../walredo/suite';
import { WalRedoReport } from '../../walredo/suite/report';
import { Logger } from '../../util/logger';

/** One line for the checks table (pure). */
export function walRedoCheck(report: WalRedoReport): CheckResult {
  const v = report.vectors;
  const rmgrs = Object.keys(v.byRmgr).length;
  const custom = Object.entries(v.byRmgr)
    .filter(([name]) => /^custom\d+$/.test(name))
    .map(([name, c]) => `${name} ${c.passed} passed, ${c.failed} failed`);
  const counts = `protocol ${report.protocol.passed}/${report.protocol.passed + report.protocol.failed} passed; vectors ${v.passed} passed, ${v.failed} failed, ${v.skipped} skipped over ${rmgrs} resource managers${custom.length ? ` (custom: ${custom.join('; ')})` : ''}`;
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
  // As root, walredo runs unprivileged (postgres refuses root): it must be able to reach the bundle.
  let dir = bundleDir;
  let copy: string | undefined;
  if (
    !skip &&
    process.getuid?.() === 0 &&
    !reachableByOthers(join(bundleDir, `v${major}`, 'bin', 'postgres'))
  ) {
    copy = mkdtempSync(join(tmpdir(), 'pg-bundle-walredo-'));
    chmodSync(copy, 0o755);
    cpSync(join(bundleDir, `v${major}`), join(copy, `v${major}`), { recursive: true });
    log.info(`walredo: ${bundleDir} is not reachable by an unprivileged user; running a copy in ${copy}`);
    dir = copy;
  }
  try {
    const report = await runWalRedoStage(dir, major, {
      skip,
      mode: entry?.walredo?.mode,
      preload: entry?.walredo?.preload,
      log,
    });
    return { check: walRedoCheck(report), report };
  } finally {
    if (copy) rmSync(copy, { recursive: true, force: true });
  }
}

/** Whether every directory above `path` lets others through (o+x) and the file is o+x. */
export function reachableByOthers(path: string): boolean {
  let p = resolve(path);
  try {
    if ((statSync(p).mode & 0o001) === 0) return false;
    for (p = dirname(p); ; p = dirname(p)) {
      if ((statSync(p).mode & 0o001) === 0) return false;
      if (p === dirname(p)) return true;
    }
  } catch {
    return false;
  }
}
