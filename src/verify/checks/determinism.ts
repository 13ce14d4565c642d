import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { CheckResult } from '../../core/manifest';
import { compareClusters, HOST_PROBED_SETTINGS, probedSettingDifferences } from '../cluster-compare';
import { initdbArgv } from '../invocation';
import { describeEnd, firstLines, succeeded } from '../process';
import { hostRunner, HostRunner } from '../sandbox';
import { fail, listSome, pass, VersionContext } from './context';
import { needsCluster } from './cluster';

export const DETERMINISM = 'determinism';
export const HOST_INDEPENDENCE = 'host-independence';

/** The foreign environment of the host-independence run. */
export const FOREIGN_ENV = { LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', TZ: 'America/New_York' };

function listTree(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const child = rel ? posix.join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...listTree(root, child));
    else if (e.isFile()) out.push(child);
  }
  return out;
}

/** Makes a directory and its parents up to `base` reachable for an unprivileged user. */
function openUp(dir: string): void {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
}

/**
 * A copy of vNN/ in another directory of the host, for the host runs: it proves the bundle works from
 * a different place and keeps it readable for the unprivileged user the host runs use.
 */
export function hostCopy(ctx: VersionContext, bundleDir = ctx.bundleDir, name = 'host-bundle'): string {
  const root = join(ctx.workDir, name);
  if (!existsSync(join(root, ctx.dir))) {
    openUp(ctx.workDir);
    openUp(root);
    cpSync(join(bundleDir, ctx.dir), join(root, ctx.dir), { recursive: true });
  }
  return root;
}

/** initdb on the host, as the storage service calls it, from a copy of the bundle (or of `root`, another bundle's copy). */
export async function hostInitdb(
  ctx: VersionContext,
  name: string,
  env: NodeJS.ProcessEnv,
  runner: HostRunner,
  root: string = hostCopy(ctx),
): Promise<{ data?: string; error?: string }> {
  const base = join(ctx.workDir, name);
  openUp(base);
  const cwd = join(base, 'cwd');
  openUp(cwd);
  runner.prepareDir(base);
  runner.prepareDir(cwd);
  const data = join(base, 'data');
  const argv = initdbArgv(join(root, ctx.dir, 'bin/initdb'), ctx.major, data);
  const o = await runner.run(argv, { env, cwd });
  if (!succeeded(o))
    return {
      error: `${ctx.dir}/bin/initdb on the host (copy at ${root}, uid ${runner.uid}) ${describeEnd(o)}\n${firstLines(o.stderr || o.stdout, 6)}`,
    };
  return { data };
}

export function compareWithEmptyRoot(ctx: VersionContext, hostData: string, label: string) {
  const a = ctx.emptyRootData!;
  return compareClusters(
    listTree(a),
    listTree(hostData),
    (side, path) => readFileSync(join(side === 'a' ? a : hostData, path)),
    'the empty-root run',
    label,
  );
}

/** "excluded: a and 3 more (reason); ..." (pure). */
export function excludedSummary(excluded: readonly { path: string; reason: string }[]): string {
  const byReason = new Map<string, string[]>();
  for (const e of excluded) byReason.set(e.reason, [...(byReason.get(e.reason) ?? []), e.path]);
  return `excluded: ${[...byReason].map(([reason, paths]) => `${paths[0]}${paths.length > 1 ? ` and ${paths.length - 1} more` : ''} (${reason})`).join('; ')}`;
}

async function runComparison(
  ctx: VersionContext,
  name: string,
  env: NodeJS.ProcessEnv,
  label: string,
  runner: HostRunner,
): Promise<CheckResult> {
  const skipped = needsCluster(ctx, name);
  if (skipped) return skipped;
  const host = await hostInitdb(ctx, name, env, runner);
  if (!host.data) return fail(name, host.error!);
  const { differences, compared, excluded } = compareWithEmptyRoot(ctx, host.data, label);
  const excludedNote = excludedSummary(excluded);
  if (differences.length > 0) {
    return fail(
      name,
      `${differences.length} of ${compared} files differ between the empty-root run and ${label}:\n${listSome(differences.map((d) => `${d.path}: ${d.detail}`))}`,
    );
  }
  const conf = 'postgresql.conf';
  const probed =
    existsSync(join(host.data, conf)) && existsSync(join(ctx.emptyRootData!, conf))
      ? probedSettingDifferences(
          readFileSync(join(ctx.emptyRootData!, conf), 'utf8'),
          readFileSync(join(host.data, conf), 'utf8'),
        )
      : [];
  const probedNote =
    probed.length > 0 ? `; host-probed settings that differ (masked): ${probed.join(', ')}` : '';
  return pass(
    name,
    `${compared} files identical to the empty-root run (relation pages compared with LSN and checksum masked; postgresql.conf with ${HOST_PROBED_SETTINGS.join(', ')} masked)${probedNote}; ${excludedNote}`,
  );
}

/** initdb on the host, from another directory, with the environment cleared: same catalogs as in the empty root. */
export function checkDeterminism(
  ctx: VersionContext,
  runner: HostRunner = hostRunner(),
): Promise<CheckResult> {
  return runComparison(ctx, DETERMINISM, {}, 'a host run from another directory', runner);
}

/** initdb on the host with a foreign locale and time zone set: still the same catalogs. */
export function checkHostIndependence(
  ctx: VersionContext,
  runner: HostRunner = hostRunner(),
): Promise<CheckResult> {
  const label = `a host run with ${Object.entries(FOREIGN_ENV)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
  return runComparison(ctx, HOST_INDEPENDENCE, { ...FOREIGN_ENV }, label, runner);
}
