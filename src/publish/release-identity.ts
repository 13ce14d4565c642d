/**
 * What makes a release: the bundle's files. The default tag is derived from them (contentDigest), and
 * the manifest that is published (inside the tarball and as the manifest.json asset) leaves out the
 * facts of one build or verification run, so a rebuild with the same files gives byte-identical
 * assets (publish: "unchanged") and a rebuild with other files a new tag. Pure.
 */
import { createHash } from 'node:crypto';
import { Manifest, VersionManifest } from '../core/manifest';
import { compareArchivePaths } from './tarball';

/**
 * sha256 over every file the manifest lists (path, mode, size, sha256; sorted by path). The manifest's
 * list is checked against the packed files before publishing, so it stands for the tarball's content.
 */
export function contentDigest(manifest: Manifest): string {
  const files = Object.values(manifest.versions)
    .flatMap((v) => v.files)
    .sort((a, b) => compareArchivePaths(a.path, b.path));
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\t${f.mode}\t${f.size}\t${f.sha256}\n`);
  return hash.digest('hex');
}

/**
 * The content digest of a release (pure): its one platform's contentDigest, or for several
 * platforms the sha256 over "<platform> <contentDigest>" lines in the given order.
 */
export function releaseDigest(manifests: Manifest[]): string {
  if (manifests.length === 1) return contentDigest(manifests[0]);
  const hash = createHash('sha256');
  for (const m of manifests) hash.update(`${m.platform}\t${contentDigest(m)}\n`);
  return hash.digest('hex');
}

/** "system identifier 7412…" in a check's detail: random per initdb. */
const SYSTEM_IDENTIFIER = /,? ?system identifier \d+/g;

/**
 * One version's entry without what differs from run to run for the same files: the build's duration,
 * the system identifier of verify's throw-away cluster (also inside the cluster check's detail), and
 * the walredo stage's duration and corpus position. The whole record stays in the build artifacts
 * (<out>/manifest.json, <out>/conformance.json).
 */
function withoutRunFacts(v: VersionManifest): VersionManifest {
  const rest: Partial<VersionManifest> = { ...v };
  delete rest.buildDurationSeconds;
  if (v.conformance) {
    const conformance = { ...v.conformance };
    delete conformance.systemIdentifier;
    conformance.checks = conformance.checks.map((c) => ({
      ...c,
      detail: c.detail.replace(SYSTEM_IDENTIFIER, ''),
    }));
    if (conformance.walredo && typeof conformance.walredo === 'object') {
      const walredo = { ...(conformance.walredo as Record<string, unknown>) };
      delete walredo.durationMs;
      delete walredo.corpus;
      conformance.walredo = walredo;
    }
    rest.conformance = conformance;
  }
  return rest as VersionManifest;
}

/** The manifest as a release publishes it: the same files and facts, without the per-run ones. */
export function releaseManifest(manifest: Manifest): Manifest {
  return {
    ...manifest,
    versions: Object.fromEntries(Object.entries(manifest.versions).map(([k, v]) => [k, withoutRunFacts(v)])),
  };
}
