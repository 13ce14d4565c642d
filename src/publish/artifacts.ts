/**
 * Publish input: one or more artifact directories, each a `vNN/` directory (one per major version)
 * beside the `manifest.json` that describes them. A local run has one (the --out of build/verify);
 * the workflow's publish job downloads one artifact per matrix job and passes all of them. The
 * artifacts of several platforms (manifest.json's `platform`) make one release with a bundle per
 * platform: each platform's artifacts are merged, and the platforms must hold the same versions
 * built from the same sources.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Manifest, mergeManifests } from '../core/manifest';
import { listVersionDirs } from '../core/bundle-files';
import { readManifestFile } from '../core/manifest-file';
import { UserError } from '../util/errors';
import { platformOrder } from '../core/platform';
import { releaseManifest } from './release-identity';

export interface VersionDir {
  major: string;
  /** Absolute path of the vNN directory */
  dir: string;
}

export interface PublishInput {
  manifest: Manifest;
  versionDirs: VersionDir[];
}

/** Reads one artifact directory: its manifest and the vNN directories it lists (all must exist, no extra ones). */
export function readArtifactDir(dir: string): PublishInput {
  const root = resolve(dir);
  const manifest = readManifestFile(join(root, 'manifest.json'));
  const listed = Object.keys(manifest.versions);
  if (listed.length === 0)
    throw new UserError(
      `${join(root, 'manifest.json')} lists no PostgreSQL version`,
      'run pg-bundle build before publish',
    );
  const present = listVersionDirs(root).map((m) => `v${m}`);
  for (const major of listed) {
    if (!present.includes(`v${major}`))
      throw new UserError(
        `${root}/v${major} is missing but manifest.json lists PostgreSQL ${major}`,
        'download or build the whole artifact again',
      );
  }
  for (const name of present) {
    if (!listed.includes(name.slice(1)))
      throw new UserError(
        `${root}/${name} is not described by ${root}/manifest.json`,
        `remove ${name} or rebuild it so that the manifest lists it`,
      );
  }
  return { manifest, versionDirs: listed.map((major) => ({ major, dir: join(root, `v${major}`) })) };
}

/**
 * A bundle may only be published after `verify` passed: every version must carry a conformance
 * report (merged into the manifest by verify) with no failed check.
 */
export function assertConformancePassed(manifest: Manifest): void {
  for (const [major, entry] of Object.entries(manifest.versions)) {
    const checks = entry.conformance?.checks;
    if (!checks || checks.length === 0) {
      throw new UserError(
        `PostgreSQL ${major} has no conformance report in its manifest: it was never verified`,
        'run `pg-bundle verify <bundle-dir>` (it merges its report into manifest.json) before publish',
      );
    }
    const failed = checks.filter((c) => c.status === 'fail');
    if (failed.length > 0) {
      throw new UserError(
        `PostgreSQL ${major} failed conformance (${failed.map((c) => c.name).join(', ')}): it must not be published`,
        'fix the bundle and run `pg-bundle verify` again until every check passes',
      );
    }
  }
}

/** A problem of the artifacts given to one publish, and its fix. */
export interface ArtifactProblem {
  problem: string;
  fix: string;
}

/** A major held by two artifacts of the same platform (pure): two bundles of one platform in one release. */
export function samePlatformOverlap(
  parts: { dir: string; manifest: Manifest }[],
): ArtifactProblem | undefined {
  const holder = new Map<string, string>();
  for (const { dir, manifest } of parts)
    for (const major of Object.keys(manifest.versions)) {
      const key = `${manifest.platform} ${major}`;
      const other = holder.get(key);
      if (other !== undefined)
        return {
          problem: `${other} and ${dir} are both ${manifest.platform} bundles of PostgreSQL ${major}: a release has one bundle per platform`,
          fix: `pass one ${manifest.platform} artifact per major version (drop one of the two)`,
        };
      holder.set(key, dir);
    }
  return undefined;
}

/** "debian:postgresql-15 (revision 15.13-1)": where a version was built from. */
const builtFrom = (m: Manifest, major: string) => {
  const { source, postgres } = m.versions[major];
  const sha = source.tarballSha256 ? `, sha256 ${source.tarballSha256.slice(0, 12)}` : '';
  return `PostgreSQL ${postgres.version} from ${source.spec} (revision ${source.revision}${sha})`;
};

/**
 * Why the platforms' manifests cannot be one release (pure): they must hold the same majors,
 * each of the same PostgreSQL version built from the same source. Undefined when they can.
 */
export function platformsMismatch(manifests: Manifest[]): ArtifactProblem | undefined {
  const [first, ...others] = manifests;
  const majorsOf = (m: Manifest) =>
    Object.keys(m.versions)
      .sort((a, b) => Number(a) - Number(b))
      .join(', ');
  for (const other of others) {
    if (majorsOf(other) !== majorsOf(first))
      return {
        problem: `the ${first.platform} bundle holds PostgreSQL ${majorsOf(first)} but the ${other.platform} bundle holds ${majorsOf(other)}: one release has the same versions on every platform`,
        fix: 'build every platform with the same --pg and pass all their artifacts, or publish the platforms as separate releases',
      };
    for (const major of Object.keys(first.versions)) {
      const a = builtFrom(first, major);
      const b = builtFrom(other, major);
      if (a !== b)
        return {
          problem: `the ${first.platform} bundle has ${a} but the ${other.platform} bundle has ${b}: one release is built from one source`,
          fix: `build both platforms from the same --source (and --sha256) for v${major} and pass those artifacts`,
        };
    }
  }
  return undefined;
}

/** One platform's artifacts merged (one per matrix job), with the manifest a release publishes. */
function mergePlatform(parts: { dir: string; input: PublishInput }[]): PublishInput {
  let manifest: Manifest;
  try {
    manifest = mergeManifests(parts.map((p) => p.input.manifest));
  } catch (err) {
    throw new UserError(
      `cannot merge the manifests of ${parts.map((p) => p.dir).join(', ')}: ${(err as Error).message}`,
      'give each PostgreSQL major version to exactly one artifact',
    );
  }
  assertConformancePassed(manifest);
  // what is published: the facts of the files, not of the run that made them (release-identity.ts)
  manifest = releaseManifest(manifest);
  const versionDirs = parts
    .flatMap((p) => p.input.versionDirs)
    .sort((a, b) => Number(a.major) - Number(b.major));
  return { manifest, versionDirs };
}

/**
 * The publish inputs of one release, one per platform in platform order (x86-64 first): the
 * artifact directories grouped by their manifest's platform, each group merged. Every check
 * happens here, before anything is packed or sent.
 */
export function assemblePublishInputs(dirs: string[]): PublishInput[] {
  if (dirs.length === 0)
    throw new UserError(
      'no artifact directory to publish',
      'pass the directories downloaded from the build jobs, or --out of a local build',
    );
  const parts = dirs.map((dir) => ({ dir, input: readArtifactDir(dir) }));
  const overlap = samePlatformOverlap(parts.map((p) => ({ dir: p.dir, manifest: p.input.manifest })));
  if (overlap) throw new UserError(overlap.problem, overlap.fix);
  const platforms = platformOrder([...new Set(parts.map((p) => p.input.manifest.platform))]);
  const inputs = platforms.map((platform) =>
    mergePlatform(parts.filter((p) => p.input.manifest.platform === platform)),
  );
  const mismatch = platformsMismatch(inputs.map((i) => i.manifest));
  if (mismatch) throw new UserError(mismatch.problem, mismatch.fix);
  return inputs;
}

/** Artifact directories below `root` (each subdirectory holding a manifest.json), e.g. what @actions/artifact downloaded. */
export function findArtifactDirs(root: string): string[] {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new UserError(
      `the artifact directory ${root} does not exist`,
      'check the directories given as arguments (input `args` in the action): each one downloaded from a build job, or --out of a local build',
    );
  if (existsSync(join(root, 'manifest.json'))) return [resolve(root)];
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, 'manifest.json')))
    .sort()
    .map((p) => resolve(p));
}
