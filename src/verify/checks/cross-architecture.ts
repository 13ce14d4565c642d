/**
 * The same major built for two architectures must give the same cluster: the other platform's
 * bundle runs initdb exactly as the storage service does, and its data directory is compared with
 * this bundle's empty-root cluster as the determinism check compares two runs (relation pages with
 * LSN and checksum masked, host-probed settings masked). A compiler or library that behaves
 * differently on one architecture (collation order, catalog contents, float formatting) shows here.
 */
import { CheckResult } from '../../core/manifest';
import { hostRunner, HostRunner } from '../sandbox';
import { fail, listSome, OtherPlatformBundle, pass, VersionContext } from './context';
import { needsCluster } from './cluster';
import { compareWithEmptyRoot, excludedSummary, hostCopy, hostInitdb } from './determinism';

export const CROSS_ARCHITECTURE = 'cross-architecture';

export async function checkCrossArchitecture(
  ctx: VersionContext,
  other: OtherPlatformBundle,
  runner: HostRunner = hostRunner(),
): Promise<CheckResult> {
  const skipped = needsCluster(ctx, CROSS_ARCHITECTURE);
  if (skipped) return skipped;
  const root = hostCopy(ctx, other.bundleDir, `${other.platform.id}-bundle`);
  const label = `the ${other.platform.label} bundle's initdb`;
  const run = await hostInitdb(ctx, `${other.platform.id}-initdb`, {}, runner, root);
  if (!run.data) return fail(CROSS_ARCHITECTURE, `${label}: ${run.error}`);
  const { differences, compared, excluded } = compareWithEmptyRoot(ctx, run.data, label);
  ctx.facts.crossArchitecture = {
    ...ctx.facts.crossArchitecture,
    comparedWith: other.platform.id,
    initdbIdentical: differences.length === 0,
    initdbFilesCompared: compared,
  };
  if (differences.length > 0)
    return fail(
      CROSS_ARCHITECTURE,
      `${differences.length} of ${compared} files differ between this bundle's initdb and ${label}:\n${listSome(differences.map((d) => `${d.path}: ${d.detail}`))}`,
    );
  return pass(
    CROSS_ARCHITECTURE,
    `${compared} files identical to ${label} (${other.bundleDir}; relation pages with LSN and checksum masked); ${excludedSummary(excluded)}`,
  );
}
