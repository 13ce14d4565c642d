/**
 * `verify`: proves a bundle hermetic, version by version. Order matters: the clusters are compared
 * (determinism, host independence) before the single-user backend touches the empty-root cluster.
 */
import { SUPPORTED_MAJORS } from '../core/majors';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckResult, Manifest, VersionConformance } from '../core/manifest';
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
import { WalRedoReport } from '../walredo/suite/report';
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

/** What verify reads before anything runs: the bundle, its manifest, --wal's sample, --cross-check's bundle. */
interface VerifyInputs {
  bundleDir: string;
  manifestPath: string;
  manifest?: Manifest;
  /** why the manifest could not be read */
  problem?: string;
  walSample?: { dir: string; facts: WalSampleFacts };
  otherPlatform?: OtherPlatformBundle;
}

/** How the empty-root checks are isolated; none (and why) without --allow-unisolated. */
interface Isolation {
  method?: IsolationMethod;
  problem?: string;
}

export async function verifyBundle(req: VerifyRequest): Promise<VerifyReport> {
  const inputs = readInputs(req);
  const isolation = await chooseIsolation(req);
  req.log.info(`isolation: ${isolation.method ?? 'none'}`);
  const work = mkdtempSync(join(tmpdir(), 'pg-bundle-verify-'));
  // host runs drop to an unprivileged user, which must reach the copies and clusters below
  chmodSync(work, 0o755);
  const report: VerifyReport = { versions: {} };
  // an aarch64 bundle here: walredo (the stage, and the kernel-floor session even with
  // --skip-walredo) runs in a VM under a real arm64 kernel (qemu-user refuses seccomp)
  let vm: AArch64Vm | undefined;
  try {
    if (walRedoNeedsVm(inputs.manifest?.platform))
      vm = await bootVerifyVm(inputs.bundleDir, req.cacheDir ?? defaultCacheDir(), req.log);
    for (const major of req.majors)
      report.versions[String(major)] = await verifyMajor(
        req,
        inputs,
        isolation,
        join(work, `v${major}`),
        major,
        vm,
      );
  } finally {
    await vm?.shutdown();
    removeWork(work, req);
  }
  return report;
}

/** The request's inputs, each refused in one line (UserError) before anything runs. */
function readInputs(req: VerifyRequest): VerifyInputs {
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
  return { bundleDir, manifestPath, manifest, problem, walSample, otherPlatform };
}

/** The method the request forces, else the first that works here; unisolated only when allowed. */
async function chooseIsolation(req: VerifyRequest): Promise<Isolation> {
  if (req.isolation) return { method: req.isolation };
  const probe = await probeIsolation();
  if (probe.method) return { method: probe.method };
  const problem = `neither bwrap nor unshare+chroot works here (${probe.notes.join('; ')}); install bubblewrap, allow user namespaces or run with sudo, or pass --allow-unisolated to run on the host without isolation`;
  if (!req.allowUnisolated) return { problem };
  req.log.warn(
    `no isolation method: running the empty-root checks on the host (--allow-unisolated): ${probe.notes.join('; ')}`,
  );
  return { method: 'unisolated', problem };
}

/** One version: its checks, then its walredo stage, whose sandbox measurement the hardening check takes. */
async function verifyMajor(
  req: VerifyRequest,
  inputs: VerifyInputs,
  isolation: Isolation,
  workDir: string,
  major: number,
  vm: AArch64Vm | undefined,
): Promise<VersionConformance> {
  mkdirSync(workDir, { recursive: true });
  const ctx: VersionContext = {
    bundleDir: inputs.bundleDir,
    major,
    dir: `v${major}`,
    manifestPath: inputs.manifestPath,
    manifest: inputs.manifest,
    manifestProblem: inputs.problem,
    log: req.log,
    workDir,
    isolationProblem: isolation.problem,
    facts: {},
    otherPlatform: inputs.otherPlatform,
    vm,
  };
  if (isolation.method)
    ctx.sandbox = await createSandbox(isolation.method, inputs.bundleDir, join(workDir, 'sandbox'));
  const checks = await req.log.step(`verify v${major}`, () => verifyVersion(ctx));
  const walredo = await req.log.step(`verify v${major}: walredo`, () =>
    verifyWalRedo(
      inputs.bundleDir,
      major,
      inputs.manifest?.versions[String(major)],
      req.skipWalredo === true,
      req.log,
      inputs.walSample?.facts.major === major ? inputs.walSample : undefined,
      vm?.walRedoSpawn(),
      inputs.otherPlatform && {
        bundleDir: inputs.otherPlatform.bundleDir,
        platform: inputs.otherPlatform.platform.id,
      },
    ),
  );
  addCrossPages(ctx, walredo.report);
  // the walredo stage measured the sandbox; a skipped stage leaves the hardening check as it was
  const sandboxed =
    walredo.report.status === 'skip'
      ? checks
      : checks.map((c) => withWalRedoSandbox(c, walredo.report.mode, walredo.report.sandbox));
  return { checks: [...sandboxed, walredo.check], ...ctx.facts, walredo: walredo.report };
}

/** The walredo stage's comparison of pages with the other platform's walredo, into the version's facts. */
function addCrossPages(ctx: VersionContext, walredo: WalRedoReport): void {
  const pages = walredo.crossPages;
  if (pages)
    ctx.facts.crossArchitecture = {
      comparedWith: pages.comparedWith,
      ...ctx.facts.crossArchitecture,
      pagesCompared: pages.compared,
      pagesDiffering: pages.differing + pages.unmatched,
    };
}

function removeWork(work: string, req: VerifyRequest): void {
  if (req.keepWork) {
    req.log.info(`scratch clusters kept in ${work}`);
    return;
  }
  try {
    rmSync(work, { recursive: true, force: true });
  } catch (err) {
    req.log.warn(`could not remove the scratch directory ${work}: ${errorMessage(err)}`);
  }
}
