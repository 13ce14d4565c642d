import { chmodSync, cpSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CheckResult, VersionManifest } from '../../core/manifest';
import { runWalRedoStage } from '../../walredo/suite';
import type { WalRedoSpawn } from '../../walredo/client';
import { WalRedoReport } from '../../walredo/suite/report';
import { WalSampleFacts } from '../../walredo/wal-sample';
import { Logger } from '../../util/logger';

/** One line for the checks table (pure). */
export function walRedoCheck(report: WalRedoReport): CheckResult {
  const v = report.vectors;
  const rmgrs = Object.keys(v.byRmgr).length;
  const custom = Object.entries(v.byRmgr)
    .filter(([name]) => /^custom\d+$/.test(name))
    .map(([name, c]) => `${name} ${c.passed} passed, ${c.failed} failed`);
  const counts = `protocol ${report.protocol.passed}/${report.protocol.passed + report.protocol.failed} passed; vectors ${v.passed} passed, ${v.failed} failed${report.walSample ? ` (of those run, ${v.compared ?? 0} compared with a page the sample holds, the others judged by their answer)` : ''}, ${v.skipped} skipped over ${rmgrs} resource managers${custom.length ? ` (custom: ${custom.join('; ')})` : ''}${report.rmgrsNotMeasurable ? `; the rmgrs it replays are not measurable by the probe (${report.rmgrsNotMeasurable}): recorded are those whose vectors it passed` : ''}${report.walSample ? `; WAL sample ${report.walSample.dir} (${report.walSample.records} records, reading stopped: ${report.walSample.stop}): ${report.walSample.dialect}${report.walSample.server ? ` (the bundle's own server writes ${report.walSample.server})` : ''}` : ''}`;
  const x = report.crossPages;
  const crossNote = x
    ? `; every answer against the ${x.comparedWith} bundle's walredo: ${x.compared} pages compared, ${x.identical} identical, ${x.equalMasked} equal after masking, ${x.differing} differ`
    : '';
  if (report.status === 'skip')
    return { name: 'walredo', status: 'skip', detail: report.message ?? 'skipped' };
  const first = v.failures[0];
  const detail =
    report.status === 'pass'
      ? `mode ${report.mode}: ${counts}${crossNote}`
      : `mode ${report.mode}: ${report.message ?? counts}${first ? `; first failure: ${JSON.stringify(first).slice(0, 600)}` : ''}`;
  return { name: 'walredo', status: report.status, detail };
}

/**
 * Runs `fn` with a bundle directory whose vNN/ an unprivileged user can reach: as root, walredo
 * runs unprivileged (postgres refuses root), so an unreachable bundle is copied to a temp directory
 * for the call.
 */
export async function withReachableBundle<T>(
  bundleDir: string,
  major: number,
  log: Logger,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  if (process.getuid?.() !== 0 || reachableByOthers(join(bundleDir, `v${major}`, 'bin', 'postgres')))
    return fn(bundleDir);
  const copy = mkdtempSync(join(tmpdir(), 'pg-bundle-walredo-'));
  try {
    chmodSync(copy, 0o755);
    cpSync(join(bundleDir, `v${major}`), join(copy, `v${major}`), { recursive: true });
    log.info(`walredo: ${bundleDir} is not reachable by an unprivileged user; running a copy in ${copy}`);
    return await fn(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
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
  walSample?: { dir: string; facts: WalSampleFacts },
  /** starts walredo elsewhere (an AArch64 VM: src/verify/vm) */
  spawn?: WalRedoSpawn,
  /** another platform's bundle whose walredo answers the same vectors (--cross-check) */
  crossCheck?: { bundleDir: string; platform: string },
): Promise<{ check: CheckResult; report: WalRedoReport }> {
  const stage = (dir: string) =>
    runWalRedoStage(dir, major, {
      skip,
      mode: entry?.walredo?.mode,
      preload: entry?.walredo?.preload,
      log,
      walSample,
      spawn,
      crossCheck,
    });
  const report = skip ? await stage(bundleDir) : await withReachableBundle(bundleDir, major, log, stage);
  return { check: walRedoCheck(report), report };
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
