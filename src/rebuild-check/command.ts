import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildBundles, buildTarget, toolchainVersions } from '../compile/build';
import { platformById } from '../core/platform';
import { parseJobs } from '../compile/command';
import { compareFiles } from '../core/manifest';
import { listBundleFiles } from '../core/bundle-files';
import { readManifestFile } from '../core/manifest-file';
import { CommandContext, CommandHandler, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { fetchAccess, fetchToTemp } from '../fetch/temp';
import { defaultCacheDir } from '../source/cache';
import { UserError } from '../util/errors';
import {
  allIdentical,
  compareRebuild,
  rebuildInputs,
  renderRebuildReport,
  toolchainDifferences,
  VersionReport,
} from './rebuild-check';

/**
 * The bundle to check: a release (--repository and --tag), a bundle directory, or the bundle a pin
 * file names (what a storage reviewer has in the pin-bump pull request). A release or a pinned
 * bundle is fetched and checked by `fetch` into a temporary directory.
 */
async function bundleToCheck(
  options: RawOptions,
  ctx: CommandContext,
): Promise<{ dir: string; cleanup: () => void }> {
  const release = releaseToCheck(options, ctx.args);
  const path = resolve(ctx.args[0] ?? stringOption(options, 'out') ?? 'out');
  if (!release && !(existsSync(path) && statSync(path).isFile()))
    return { dir: path, cleanup: () => undefined };
  return fetchToTemp(release ?? { pinPath: path }, fetchAccess(options, ctx), 'pg-bundle-rebuild-fetched-');
}

/** --repository and --tag name a release to check; either alone, or with a bundle argument, is refused. */
function releaseToCheck(
  options: RawOptions,
  args: string[],
): { repository: string; tag: string } | undefined {
  const repository = stringOption(options, 'repository');
  const tag = stringOption(options, 'tag');
  if (!repository && !tag) return undefined;
  if (!repository || !tag)
    throw new UserError(
      `rebuild-check names a release with both --repository and --tag (got only ${repository ? '--repository' : '--tag'})`,
      'pass --repository <owner/name> --tag <tag> of the release, or a bundle directory or pin file instead',
    );
  if (args.length > 0)
    throw new UserError(
      `rebuild-check got both a release (--repository ${repository} --tag ${tag}) and ${args.join(' ')}`,
      'check one at a time: the release, or a bundle directory or pin file',
    );
  return { repository, tag };
}

/**
 * `pg-bundle rebuild-check [bundle-dir | pin-file]` or `--repository <owner/name> --tag <tag>`:
 * rebuilds every version from the inputs its manifest records into a temporary directory (the build
 * stage's own function) and compares every file.
 */
export const rebuildCheckCommand: CommandHandler = async (options, ctx) => {
  const bundle = await bundleToCheck(options, ctx);
  try {
    return await rebuildAndCompare(bundle.dir, options, ctx);
  } finally {
    bundle.cleanup();
  }
};

async function rebuildAndCompare(dir: string, options: RawOptions, ctx: CommandContext): Promise<number> {
  const manifest = readManifestFile(join(dir, 'manifest.json'));
  const cacheDir = stringOption(options, 'cacheDir') ?? defaultCacheDir();
  const jobs = parseJobs(stringOption(options, 'jobs'));
  const platform = platformById(manifest.platform);
  if (!platform)
    throw new UserError(
      `${dir}: the manifest names the platform '${manifest.platform}', which pg-bundle does not build`,
      'check a bundle pg-bundle built',
    );
  const target = buildTarget({ platform });
  const here = await toolchainVersions(target);
  const reports: VersionReport[] = [];
  for (const [majorText, entry] of Object.entries(manifest.versions)) {
    const major = Number(majorText);
    // the bundle's files must be the ones its manifest lists before the manifest stands for them
    const onDisk = compareFiles(entry.files, await listBundleFiles(dir, `v${major}`));
    for (const d of onDisk) ctx.log.warn(`v${major}: ${d.path} in ${dir}: ${d.problem} (${d.detail})`);
    const inputs = rebuildInputs(major, entry, target);
    const toolchain = toolchainDifferences(entry.toolchain, here);
    for (const t of toolchain) ctx.log.warn(`v${major}: toolchain differs: ${t}`);
    const out = mkdtempSync(join(tmpdir(), `pg-bundle-rebuild-v${major}-`));
    try {
      const rebuilt = await buildBundles({
        versions: [major],
        sources: new Map([[major, inputs.source]]),
        out,
        cacheDir,
        modules: inputs.modules,
        icuSource: inputs.icuSource,
        walredo: inputs.walredo,
        walredoPreload: inputs.walredoPreload.join(','),
        linkage: inputs.linkage,
        locales: inputs.locales,
        // -g when the recorded flags say so (the debug files go to the scratch out, unused)
        keepDebug: inputs.debug,
        installDeps: false,
        jobs,
        log: ctx.log,
        platform,
      });
      const files = compareRebuild(entry.files, rebuilt.versions[majorText].files);
      // a file on disk that differs from the manifest is different too, whatever the rebuild gave
      for (const d of onDisk)
        if (!files.different.some((f) => f.path === d.path)) {
          files.identical = files.identical.filter((p) => p !== d.path);
          files.different.push({ path: d.path, detail: `the bundle's file ${d.problem}: ${d.detail}` });
        }
      reports.push({ major, inputs, toolchain, files });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }
  const lines = renderRebuildReport(reports);
  for (const line of lines) ctx.log.info(line);
  const ok = allIdentical(reports);
  ctx.setOutput('identical', ok ? 'true' : 'false');
  await ctx.addSummary(['### pg-bundle rebuild-check', '', '```', ...lines, '```', ''].join('\n'));
  return ok ? 0 : 1;
}
