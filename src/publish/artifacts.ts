/**
 * Publish input: one or more artifact directories, each a `vNN/` directory (one per major version)
 * beside the `manifest.json` that describes them. A local run has one (the --out of build/verify);
 * the workflow's publish job downloads one artifact per matrix job and passes all of them.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Manifest, mergeManifests } from '../core/manifest';
import { listVersionDirs } from '../core/bundle-files';
import { readManifestFile } from '../core/manifest-file';
import { UserError } from '../util/errors';
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

/** Merges several artifact directories (one per matrix job) into one publish input, with the manifest a release publishes. */
export function assemblePublishInput(dirs: string[]): PublishInput {
  if (dirs.length === 0)
    throw new UserError(
      'no artifact directory to publish',
      'pass the directories downloaded from the build jobs, or --out of a local build',
    );
  const parts = dirs.map(readArtifactDir);
  let manifest: Manifest;
  try {
    manifest = mergeManifests(parts.map((p) => p.manifest));
  } catch (err) {
    throw new UserError(
      `cannot merge the manifests of ${dirs.join(', ')}: ${(err as Error).message}`,
      'give each PostgreSQL major version to exactly one artifact',
    );
  }
  assertConformancePassed(manifest);
  // what is published: the facts of the files, not of the run that made them (release-identity.ts)
  manifest = releaseManifest(manifest);
  const versionDirs = parts.flatMap((p) => p.versionDirs).sort((a, b) => Number(a.major) - Number(b.major));
  return { manifest, versionDirs };
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
