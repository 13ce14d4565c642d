import { listBundleFiles, writableByOthers } from '../../core/bundle-files';
import { compareFiles } from '../../core/manifest';
import { errorMessage } from '../../util/errors';
import { CheckResult } from '../../core/manifest';
import { fail, listSome, pass, VersionContext, versionManifest } from './context';

export const MANIFEST_FILES = 'manifest-files';

/**
 * Every file of vNN/ has the sha256 and exact mode the manifest records, nothing is missing or extra,
 * and no file or directory is writable by group or others.
 */
export async function checkManifestFiles(ctx: VersionContext): Promise<CheckResult> {
  if (!ctx.manifest)
    return fail(
      MANIFEST_FILES,
      `${ctx.manifestProblem ?? `${ctx.manifestPath}: no manifest`}; the bundle's files cannot be checked`,
    );
  const entry = versionManifest(ctx);
  if (!entry) return fail(MANIFEST_FILES, `${ctx.manifestPath} has no entry for version ${ctx.major}`);
  let actual;
  let writable;
  try {
    actual = await listBundleFiles(ctx.bundleDir, ctx.dir);
    writable = await writableByOthers(ctx.bundleDir, ctx.dir);
  } catch (err) {
    return fail(MANIFEST_FILES, errorMessage(err));
  }
  const expected = entry.files.filter((f) => f.path.startsWith(`${ctx.dir}/`));
  const problems = [
    ...compareFiles(expected, actual).map((d) => `${d.path}: ${d.problem} (${d.detail})`),
    ...writable,
  ];
  if (problems.length === 0) return pass(MANIFEST_FILES, `${actual.length} files match ${ctx.manifestPath}`);
  return fail(MANIFEST_FILES, listSome(problems));
}
