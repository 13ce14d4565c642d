import { join, resolve } from 'node:path';
import { CommandHandler, stringOption } from '../core/context';
import { readManifestFile } from '../core/manifest-file';
import { Manifest } from '../core/manifest';
import { defaultCacheDir } from '../source/cache';
import { ResolveContext } from '../source/context';
import { fetchDebian } from '../source/debian-source';
import { capture } from '../util/exec';
import { errorMessage } from '../util/errors';
import { Available, compareWithAvailable, parseAptPolicyCandidate, renderOutdated } from './outdated';

/** What this machine's apt and the sources offer now for what the manifest records. */
async function availableNow(manifest: Manifest, ctx: ResolveContext): Promise<Available> {
  const packages = new Map<string, string>();
  const wanted = new Set(
    Object.values(manifest.versions).flatMap((v) => (v.components ?? []).map((c) => c.debianPackage ?? '')),
  );
  for (const pkg of [...wanted].filter(Boolean).sort()) {
    const candidate = parseAptPolicyCandidate(await capture('apt-cache', ['policy', pkg]).catch(() => ''));
    if (candidate) packages.set(pkg, candidate);
  }
  const postgres: Available['postgres'] = new Map();
  for (const [major, entry] of Object.entries(manifest.versions)) {
    const v = `v${major}`;
    if (entry.source.kind !== 'debian') {
      postgres.set(v, {
        cannotTell: `a ${entry.source.kind} source cannot tell whether a newer minor exists (check upstream's releases)`,
      });
      continue;
    }
    const pkg = /^debian:([^=]+)/.exec(entry.source.spec)?.[1];
    if (!pkg) {
      postgres.set(v, { cannotTell: `cannot read the package from ${entry.source.spec}` });
      continue;
    }
    try {
      const { version } = await fetchDebian(pkg, undefined, ctx);
      postgres.set(v, { newest: version });
    } catch (err) {
      postgres.set(v, { cannotTell: `Debian's index could not be read: ${errorMessage(err)}` });
    }
  }
  return { packages, postgres };
}

/**
 * `pg-bundle outdated [bundle-dir]`: lists each recorded version a rebuild now would replace
 * (old → new); exit 1 when there is one, 0 when nothing is newer.
 */
export const outdatedCommand: CommandHandler = async (options, ctx) => {
  const dir = resolve(ctx.args[0] ?? stringOption(options, 'out') ?? 'out');
  const manifest = readManifestFile(join(dir, 'manifest.json'));
  const resolveCtx: ResolveContext = {
    cacheDir: resolve(stringOption(options, 'cacheDir') ?? defaultCacheDir()),
    log: ctx.log,
  };
  const available = await ctx.log.step('read what apt and the sources offer now', () =>
    availableNow(manifest, resolveCtx),
  );
  const report = compareWithAvailable(manifest, available);
  const lines = renderOutdated(report);
  for (const line of lines) ctx.log.info(line);
  ctx.setOutput('outdated', report.changes.length > 0 ? 'true' : 'false');
  await ctx.addSummary(['### pg-bundle outdated', '', '```', ...lines, '```', ''].join('\n'));
  return report.changes.length > 0 ? 1 : 0;
};
