/**
 * What pin-bump needs from the publish step: the merged manifest and where the release's bundle
 * asset is. Reading files is the edge; deriving URLs and parsing SHA256SUMS are pure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../core/manifest';
import { UserError } from '../util/errors';
import { readManifestFile } from '../core/manifest-file';
import { isSha256Hex } from '../util/hash';
import { shown } from '../util/log-text';
import { releaseUrls } from '../github/repository';
import { bundleAssetName, MANIFEST_ASSET, platformManifestName, SHA256SUMS_ASSET } from '../release/naming';
import { parseSha256Sums } from '../release/checksums';
import { LEGACY_PLATFORM_ID, platformOrder } from '../core/platform';
import { ReleaseAssetInfo, ReleaseInfo } from '../release/info';
import { readReleaseRecord, RELEASE_RECORD, ReleaseRecord } from '../release/record';

/**
 * The manifests of the release, one per platform in platform order: <out>/publish/manifest-<platform>.json
 * (a release of several platforms), else the one of readReleaseManifest.
 */
export function readReleaseManifests(out: string): { manifests: Manifest[]; paths: string[] } {
  const dir = join(out, 'publish');
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => /^manifest-.+\.json$/.test(n)) : [];
  if (names.length === 0) {
    const { manifest, path } = readReleaseManifest(out);
    return { manifests: [manifest], paths: [path] };
  }
  const read = names.map((n) => ({ path: join(dir, n), manifest: readManifestFile(join(dir, n)) }));
  for (const r of read)
    if (r.path !== join(dir, platformManifestName(r.manifest.platform)))
      throw new UserError(
        `${r.path} describes a ${shown(r.manifest.platform)} bundle`,
        "run pg-bundle publish again with the same --out: it writes each platform's manifest under its own name",
      );
  const order = platformOrder(read.map((r) => r.manifest.platform));
  const sorted = order.map((id) => read.find((r) => r.manifest.platform === id)!);
  return { manifests: sorted.map((r) => r.manifest), paths: sorted.map((r) => r.path) };
}

/**
 * The manifest of a release of one platform: <out>/publish/manifest.json (the merged manifest
 * publish uploaded), else <out>/manifest.json (build/verify's).
 */
export function readReleaseManifest(out: string): { manifest: Manifest; path: string } {
  const candidates = [join(out, 'publish', 'manifest.json'), join(out, 'manifest.json')];
  const path = candidates.find((p) => existsSync(p));
  if (!path)
    throw new UserError(
      `no manifest found (looked for ${candidates.join(' and ')})`,
      'run pg-bundle build, verify and publish with the same --out first',
    );
  return { manifest: readManifestFile(path), path };
}

export interface ReleaseInfoInput {
  out: string;
  tag?: string;
  /** owner/name of the repository the release was published to (when publish did not record it) */
  releaseRepository?: string;
  serverUrl: string;
  /** the platforms of the release's manifests (default linux-x86_64) */
  platforms?: string[];
  /** a dry-run bump may pin a release that publish only prepared */
  dryRun?: boolean;
}

/**
 * The release to pin. Preferred: <out>/publish/release.json, written by publish (tag, repository,
 * asset name, sha256 and the URLs GitHub returned). Without it: the tag from --tag, URLs computed
 * from the release repository, the sha256 from <out>/publish/SHA256SUMS.
 */
export function readReleaseInfo(input: ReleaseInfoInput): ReleaseInfo {
  const recordPath = join(input.out, 'publish', RELEASE_RECORD);
  if (existsSync(recordPath))
    return releaseInfoFromRecord(readReleaseRecord(recordPath, input.platforms?.[0]), recordPath, input);
  return releaseInfoFromSums(input);
}

/** ReleaseInfo from publish's record, read and checked by readReleaseRecord (pure). */
export function releaseInfoFromRecord(
  record: ReleaseRecord,
  recordPath: string,
  input: ReleaseInfoInput,
): ReleaseInfo {
  if (input.tag && input.tag !== record.tag) {
    throw new UserError(
      `--tag ${input.tag} differs from the release publish made (${record.tag}, ${recordPath})`,
      `drop --tag, or pass --tag ${record.tag}`,
    );
  }
  if (record.dryRun && !input.dryRun) {
    throw new UserError(
      `publish ran as a dry run (${recordPath}): release ${record.tag} does not exist on GitHub, so it cannot be pinned`,
      'publish with a token first, or run pin-bump with --dry-run',
    );
  }
  // a dry run of both stages without any repository (the README's local main job) shows placeholder URLs
  const repository =
    record.repository ||
    input.releaseRepository ||
    (input.dryRun ? 'RELEASE-OWNER/RELEASE-REPOSITORY' : undefined);
  if (!repository)
    throw new UserError(
      `${recordPath} names no release repository`,
      'run publish with --repository, or set PG_BUNDLE_RELEASE_REPOSITORY=owner/name',
    );
  const tag = record.tag;
  const downloadUrl = (name: string) => releaseUrls(input.serverUrl, repository, tag, name).assetUrl;
  const assets: Record<string, ReleaseAssetInfo> = {};
  for (const p of record.platforms)
    assets[p.platform] = {
      assetName: p.assetName,
      sha256: p.sha256,
      assetUrl: p.assetUrl ?? downloadUrl(p.assetName),
      manifestUrl: p.manifestUrl ?? downloadUrl(p.manifestName),
    };
  return {
    repository,
    tag,
    releaseUrl:
      record.releaseUrl ?? releaseUrls(input.serverUrl, repository, tag, record.assetName).releaseUrl,
    assets,
    ...(record.releasedAt ? { releasedAt: record.releasedAt } : {}),
  };
}

function releaseInfoFromSums(input: ReleaseInfoInput): ReleaseInfo {
  const { out } = input;
  if (!input.tag)
    throw new UserError(
      'pin-bump needs the release tag',
      'pass --tag <tag> (the tag publish created), or run publish with the same --out first',
    );
  if (!input.releaseRepository)
    throw new UserError(
      'pin-bump cannot tell which repository holds the release',
      "run it in the release repository's workflow (GITHUB_REPOSITORY) or set PG_BUNDLE_RELEASE_REPOSITORY=owner/name",
    );
  const sumsPath = join(out, 'publish', SHA256SUMS_ASSET);
  if (!existsSync(sumsPath))
    throw new UserError(
      `${sumsPath} is missing: pin-bump takes the bundle's sha256 from what publish wrote`,
      'run pg-bundle publish with the same --out first',
    );
  const sums = parseSha256Sums(readFileSync(sumsPath, 'utf8'), sumsPath);
  const platforms = input.platforms ?? [LEGACY_PLATFORM_ID];
  const { tag, releaseRepository } = input;
  const urls = (name: string) => releaseUrls(input.serverUrl, releaseRepository, tag, name);
  const assets: Record<string, ReleaseAssetInfo> = {};
  for (const platform of platforms) {
    const assetName = bundleAssetName(tag, platform);
    const sha256 = sums.get(assetName);
    if (!sha256 || !isSha256Hex(sha256))
      throw new UserError(
        `${sumsPath} has no sha256 for ${assetName}`,
        `check that --tag ${tag} is the tag publish used`,
      );
    const manifestName = platforms.length === 1 ? MANIFEST_ASSET : platformManifestName(platform);
    assets[platform] = {
      assetName,
      sha256,
      assetUrl: urls(assetName).assetUrl,
      manifestUrl: urls(manifestName).assetUrl,
    };
  }
  return { repository: releaseRepository, tag, releaseUrl: urls(MANIFEST_ASSET).releaseUrl, assets };
}
