/**
 * `verify`: proves a bundle hermetic, version by version. Order matters: the clusters are compared
 * (determinism, host independence) before the single-user backend touches the empty-root cluster.
 */
import { SUPPORTED_MAJORS } from '../core/majors';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckResult, Manifest } from '../core/manifest';
import { listVersionDirs } from '../core/bundle-files';
import { readManifestFile } from '../core/manifest-file';
import { UserError, errorMessage } from '../util/errors';
import { checkKernelFloor } from './checks/kernel-floor';
import { checkCrossArchitecture } from './checks/cross-architecture';
import { hostPlatform, Platform, platformById } from '../core/platform';
import { bootVerifyVm, emulationProblem, walRedoNeedsVm } from './vm/session';
import type { AArch64Vm } from './vm/machine';
import { defaultCacheDir } from '../source/cache';
import { verifyWalRedo } from './checks/walredo';
import { Logger } from '../util/logger';
import { readWalSample, refuseSample, WalSampleFacts } from '../walredo/wal-sample';
import { shown } from '../util/log-text';
import {
  checkElfMachine,
  checkElfMinKernel,
  checkElfStatic,
  checkHardening,
  withWalRedoSandbox,
  checkNoBuildPaths,
  scanElfFiles,
} from './checks/binaries';
import {
  checkEmptyRootInitdb,
  checkPgControl,
  checkPgVersionFile,
  checkSingleUserQuery,
} from './checks/cluster';
import { OtherPlatformBundle, VersionContext } from './checks/context';
import { checkDeterminism, checkHostIndependence } from './checks/determinism';
import { checkManifestFiles } from './checks/manifest-files';
import { VerifyReport } from './report';
import { createSandbox, IsolationMethod, probeIsolation } from './sandbox';

export interface VerifyRequest {
  bundleDir: string;
  majors: number[];
  allowUnisolated: boolean;
  log: Logger;
  /** keep the scratch clusters (default: removed) */
  keepWork?: boolean;
  /** force a method instead of probing (tests) */
  isolation?: IsolationMethod;
  /** skip the walredo stage (--skip-walredo); recorded in the report */
  skipWalredo?: boolean;
  /** a WAL sample for the walredo stage of its major (--wal) */
  walSample?: string;
  /** a bundle of the same majors for another platform, compared with this one (--cross-check) */
  crossCheck?: string;
  /** where the AArch64 VM's guest kernel is kept (default: pg-bundle's cache directory) */
  cacheDir?: string;
}

/**
 * The --cross-check bundle, checked before anything runs: it exists, names another platform than
 * this bundle's, and has every major verified.
 */
export function otherPlatformBundle(
  dir: string,
  majors: number[],
  manifest: Manifest | undefined,
  host: Platform | undefined = hostPlatform(),
): OtherPlatformBundle {
  const fix =
    'pass --cross-check the --out directory of a build of the same majors for the other architecture';
  const { manifest: other, problem } = manifestOrProblem(join(dir, 'manifest.json'));
  if (!other) throw new UserError(`--cross-check ${dir}: ${problem ?? 'no manifest.json'}`, fix);
  const platform = platformById(other.platform);
  if (!platform)
    throw new UserError(
      `--cross-check ${dir}: its manifest names an unknown platform '${shown(other.platform)}'`,
      fix,
    );
  if (manifest && other.platform === manifest.platform)
    throw new UserError(
      `--cross-check ${dir} is a ${other.platform} bundle, like the bundle verified: nothing to compare across architectures`,
      fix,
    );
  if (host && other.platform !== host.id)
    throw new UserError(
      `--cross-check ${dir} is a ${other.platform} bundle: its walredo answers the corpus on this machine, which is ${host.id}`,
      `pass the ${host.id} build as --cross-check and verify the other one (on an ARM machine, the reverse)`,
    );
  const missing = majors.filter((m) => !other.versions[String(m)] || !existsSync(join(dir, `v${m}`)));
  if (missing.length)
    throw new UserError(`--cross-check ${dir} has no ${missing.map((m) => `v${m}`).join(', ')}`, fix);
  return { bundleDir: dir, platform };
}

/**
 * The WAL sample of `--wal`, read whole before anything runs: its major must be among the verified
 * ones, and a walredo that would replay it wrongly (builtin for the fork's dialect) is refused.
 */
export function checkWalSample(
  dir: string,
  majors: number[],
  manifest: Manifest | undefined,
  log: Logger,
): { dir: string; facts: WalSampleFacts } {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new UserError(
      `the WAL sample ${dir} is not a directory`,
      'pass --wal a directory of WAL segment files (a pg_wal directory or a copy of its segments)',
    );
  const facts = readWalSample(dir);
  if (!majors.includes(facts.major))
    throw new UserError(
      `the WAL sample ${dir} is PostgreSQL ${facts.major} WAL, and v${facts.major} is not among the versions verified (${majors.map((m) => `v${m}`).join(', ')})`,
      `verify a bundle with v${facts.major} (--pg ${facts.major}), or give a sample of one of its versions`,
    );
  const refused = refuseSample(facts, dir, manifest?.versions[String(facts.major)]?.walredo);
  if (refused) throw new UserError(refused.problem, refused.fix);
  log.info(
    `WAL sample ${shown(dir)}: PostgreSQL ${facts.major}, ${facts.records} records, ${facts.dialect.summary}`,
  );
  return { dir, facts };
}

/** The manifest, or why it cannot be used (a failed check, not an abort: the other checks still run). */
function manifestOrProblem(path: string): { manifest?: Manifest; problem?: string } {
  try {
    return { manifest: readManifestFile(path) };
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    const problem = err.message.split('\n')[0];
    return { problem: err.fix ? `${problem} (fix: ${err.fix})` : problem };
  }
}

/** Checks the request against the bundle before anything runs (UserError names the fix). */
export function validateRequest(bundleDir: string, majors: number[]): void {
  if (!existsSync(bundleDir))
    throw new UserError(
      `bundle directory ${bundleDir} does not exist`,
      "pass the directory that holds vNN/ and manifest.json (the build's --out)",
    );
  const present = listVersionDirs(bundleDir).map((m) => `v${m}`);
  for (const m of majors) {
    if (!SUPPORTED_MAJORS.includes(m))
      throw new UserError(
        `PostgreSQL ${m} is not supported`,
        `use --pg with versions among ${SUPPORTED_MAJORS.join(', ')}`,
      );
    if (!present.includes(`v${m}`)) {
      throw new UserError(
        `bundle ${bundleDir} has no v${m}/ (it has: ${present.join(', ') || 'no vNN directories'})`,
        `pass --pg ${present.map((d) => d.slice(1)).join(',') || '<versions>'}`,
      );
    }
  }
}

async function verifyVersion(ctx: VersionContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const add = (r: CheckResult) => {
    results.push(r);
    ctx.log.debug(`v${ctx.major} ${r.name}: ${r.status}`);
  };
  add(await checkManifestFiles(ctx));
  const elfs = await scanElfFiles(ctx.bundleDir, ctx.dir);
  add(checkElfStatic(ctx, elfs));
  add(checkElfMachine(ctx, elfs, ctx.manifest?.platform));
  add(checkElfMinKernel(ctx, elfs));
  add(checkNoBuildPaths(ctx, elfs));
  add(checkHardening(ctx, elfs));
  add(await checkEmptyRootInitdb(ctx));
  add(checkPgVersionFile(ctx));
  add(checkPgControl(ctx));
  add(await checkDeterminism(ctx));
  add(await checkHostIndependence(ctx));
  add(await checkSingleUserQuery(ctx));
  add(await checkKernelFloor(ctx));
  if (ctx.otherPlatform) add(await checkCrossArchitecture(ctx, ctx.otherPlatform));
  return results;
}

export async function verifyBundle(req: VerifyRequest): Promise<VerifyReport> {
  const bundleDir = resolve(req.bundleDir);
  validateRequest(bundleDir, req.majors);
  const manifestPath = join(bundleDir, 'manifest.json');
  const { manifest, problem } = manifestOrProblem(manifestPath);
  const walSample = req.walSample
    ? checkWalSample(resolve(req.walSample), req.majors, manifest, req.log)
    : undefined;
  const cannotRun = emulationProblem(manifest?.platform);
  if (cannotRun)
    throw new UserError(
      cannotRun,
      `run: pg-bundle doctor --arch ${platformById(manifest!.platform)!.arch} --install-deps (or verify on such a machine)`,
    );
  const otherPlatform = req.crossCheck
    ? otherPlatformBundle(resolve(req.crossCheck), req.majors, manifest)
    : undefined;

  let method: IsolationMethod | undefined = req.isolation;
  let isolationProblem: string | undefined;
  if (!method) {
    const probe = await probeIsolation();
    method = probe.method;
    if (!method) {
      isolationProblem = `neither bwrap nor unshare+chroot works here (${probe.notes.join('; ')}); install bubblewrap, allow user namespaces or run with sudo, or pass --allow-unisolated to run on the host without isolation`;
      if (req.allowUnisolated) {
        method = 'unisolated';
        req.log.warn(
          `no isolation method: running the empty-root checks on the host (--allow-unisolated): ${probe.notes.join('; ')}`,
        );
      }
    }
  }
  req.log.info(`isolation: ${method ?? 'none'}`);

  const work = mkdtempSync(join(tmpdir(), 'pg-bundle-verify-'));
  // host runs drop to an unprivileged user, which must reach the copies and clusters below
  chmodSync(work, 0o755);
  const report: VerifyReport = { versions: {} };
  // an aarch64 bundle here: walredo (the stage, and the kernel-floor session even with
  // --skip-walredo) runs in a VM under a real arm64 kernel (qemu-user refuses seccomp)
  let vm: AArch64Vm | undefined;
  try {
    if (walRedoNeedsVm(manifest?.platform))
      vm = await bootVerifyVm(bundleDir, req.cacheDir ?? defaultCacheDir(), req.log);
    for (const major of req.majors) {
      const workDir = join(work, `v${major}`);
      mkdirSync(workDir, { recursive: true });
      const ctx: VersionContext = {
        bundleDir,
        major,
        dir: `v${major}`,
        manifestPath,
        manifest,
        manifestProblem: problem,
        log: req.log,
        workDir,
        isolationProblem,
        facts: {},
        otherPlatform,
        vm,
      };
      if (method) ctx.sandbox = await createSandbox(method, bundleDir, join(workDir, 'sandbox'));
      const checks = await req.log.step(`verify v${major}`, () => verifyVersion(ctx));
      const walredo = await req.log.step(`verify v${major}: walredo`, () =>
        verifyWalRedo(
          bundleDir,
          major,
          manifest?.versions[String(major)],
          req.skipWalredo === true,
          req.log,
          walSample?.facts.major === major ? walSample : undefined,
          vm?.walRedoSpawn(),
          otherPlatform && { bundleDir: otherPlatform.bundleDir, platform: otherPlatform.platform.id },
        ),
      );
      const pages = walredo.report.crossPages;
      if (pages)
        ctx.facts.crossArchitecture = {
          comparedWith: pages.comparedWith,
          ...ctx.facts.crossArchitecture,
          pagesCompared: pages.compared,
          pagesDiffering: pages.differing + pages.unmatched,
        };
      // the walredo stage measured the sandbox; a skipped stage leaves the hardening check as it was
      const sandboxed =
        walredo.report.status === 'skip'
          ? checks
          : checks.map((c) => withWalRedoSandbox(c, walredo.report.mode, walredo.report.sandbox));
      checks.splice(0, checks.length, ...sandboxed, walredo.check);
      report.versions[String(major)] = { checks, ...ctx.facts, walredo: walredo.report };
    }
  } finally {
    await vm?.shutdown();
    if (req.keepWork) req.log.info(`scratch clusters kept in ${work}`);
    else {
      try {
        rmSync(work, { recursive: true, force: true });
      } catch (err) {
        req.log.warn(`could not remove the scratch directory ${work}: ${errorMessage(err)}`);
      }
    }
  }
  return report;
}
