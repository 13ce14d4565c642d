/**
 * Builds the release's asset set on disk, under <out>/publish/:
 *   pg-bundle-<tag>-<platform>.tar.zst     per platform: deterministic tar of manifest.json + vNN/..., zstd
 *   manifest.json                          the merged manifest (also inside the tarball); with several
 *                                          platforms the first platform's (x86-64 when there is one)
 *   manifest-<platform>.json               with several platforms: each platform's manifest
 *   sbom.cdx.json                          CycloneDX SBOM: PostgreSQL and every linked-in library (sbom.ts)
 *   SHA256SUMS                             sha256sum format, for every file above
 *   release-body.md                        the release description
 * Every packed file is checked against the manifest's file list before anything is written.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareFiles, Manifest } from '../core/manifest';
import { manifestJson } from '../core/manifest-file';
import { UserError } from '../util/errors';
import { sha256 } from '../util/hash';
import { Logger } from '../util/logger';
import { PublishInput } from './artifacts';
import { formatSha256Sums } from '../release/checksums';
import { bundleAssetName, MANIFEST_ASSET, platformManifestName, SHA256SUMS_ASSET } from '../release/naming';
import { renderReleaseBody } from './release-body';
import { renderSbom, SBOM_ASSET } from './sbom';
import { listTree, packDeterministicTar, TarInputFile } from './tarball';
import { zstdCompress } from './zstd';

export interface PreparedAsset {
  name: string;
  path: string;
  size: number;
  sha256: string;
  contentType: string;
}

/** One platform's bundle in a prepared release. */
export interface PreparedPlatform {
  platform: string;
  /** its tarball (also in `assets`) */
  tarball: PreparedAsset;
  /** the name of its manifest asset: manifest.json, or manifest-<platform>.json in a release of several platforms */
  manifestName: string;
  manifest: Manifest;
}

export interface PreparedRelease {
  tag: string;
  dir: string;
  /** The tarballs first, then manifest.json (and each platform's), the SBOM, then SHA256SUMS (upload order). */
  assets: PreparedAsset[];
  body: string;
  bodyPath: string;
  /** the first platform's manifest (the manifest.json asset) */
  manifest: Manifest;
  /** one per platform, in platform order */
  platforms: PreparedPlatform[];
}

/** The tar.zst bytes for a publish input (deterministic for the same input and SOURCE_DATE_EPOCH). */
export async function buildBundleArchive(input: PublishInput): Promise<Buffer> {
  const entries: TarInputFile[] = [
    { path: MANIFEST_ASSET, type: 'file', content: Buffer.from(manifestJson(input.manifest)) },
  ];
  for (const { major, dir } of input.versionDirs) entries.push(...listTree(dir, `v${major}`));
  const packed = await packDeterministicTar(entries);
  checkAgainstManifest(
    input.manifest,
    packed.files.filter((f) => f.path !== MANIFEST_ASSET),
  );
  return zstdCompress(packed.tar);
}

function checkAgainstManifest(
  manifest: Manifest,
  packed: { path: string; sha256: string; size: number; mode: string }[],
): void {
  const expected = Object.values(manifest.versions).flatMap((v) => v.files);
  const diffs = compareFiles(expected, packed);
  if (diffs.length > 0) {
    const shown = diffs.slice(0, 10).map((d) => `  ${d.path}: ${d.problem} (${d.detail})`);
    const more = diffs.length > 10 ? [`  ... and ${diffs.length - 10} more`] : [];
    throw new UserError(
      `the bundle directories do not match manifest.json (${diffs.length} difference(s)):\n${[...shown, ...more].join('\n')}`,
      'publish exactly what build and verify produced: rebuild, or re-download the artifacts',
    );
  }
}

interface AssetData {
  name: string;
  data: Buffer;
  contentType: string;
}

const JSON_TYPE = 'application/json';

/** The manifest assets: manifest.json (the first platform's), and with several platforms each platform's. */
function manifestAssets(inputs: PublishInput[]): AssetData[] {
  const json = (m: Manifest) => Buffer.from(manifestJson(m));
  const first = { name: MANIFEST_ASSET, data: json(inputs[0].manifest), contentType: JSON_TYPE };
  if (inputs.length === 1) return [first];
  return [
    first,
    ...inputs.map((i) => ({
      name: platformManifestName(i.manifest.platform),
      data: json(i.manifest),
      contentType: JSON_TYPE,
    })),
  ];
}

/** Removes what an earlier publish into the same directory left of other tags or platforms. */
function removeStale(dir: string, keep: string[]): void {
  const stale = (n: string) =>
    (/^pg-bundle-.*\.tar\.zst$/.test(n) || /^manifest-.*\.json$/.test(n)) && !keep.includes(n);
  for (const name of readdirSync(dir).filter(stale)) rmSync(join(dir, name));
}

/** Packs and writes the assets of a release of one or several platforms (one input each, in platform order). */
export async function prepareRelease(
  inputs: PublishInput | PublishInput[],
  tag: string,
  outDir: string,
  log: Logger,
): Promise<PreparedRelease> {
  const all = Array.isArray(inputs) ? inputs : [inputs];
  const dir = join(outDir, 'publish');
  const tarballs: AssetData[] = [];
  for (const input of all) {
    const name = bundleAssetName(tag, input.manifest.platform);
    const archive = await log.step(`packing ${name}`, () => buildBundleArchive(input));
    tarballs.push({ name, data: archive, contentType: 'application/zstd' });
  }
  const manifests = all.map((i) => i.manifest);
  const sbom = {
    name: SBOM_ASSET,
    data: Buffer.from(renderSbom(manifests, tag)),
    contentType: 'application/vnd.cyclonedx+json',
  };
  const summed = [...tarballs, ...manifestAssets(all), sbom];
  const sums = Buffer.from(formatSha256Sums(summed.map((a) => ({ name: a.name, sha256: sha256(a.data) }))));
  const sumsAsset = { name: SHA256SUMS_ASSET, data: sums, contentType: 'text/plain' };

  mkdirSync(dir, { recursive: true });
  removeStale(
    dir,
    summed.map((a) => a.name),
  );
  const assets: PreparedAsset[] = [...summed, sumsAsset].map((a) => {
    const path = join(dir, a.name);
    writeFileSync(path, a.data);
    return { name: a.name, path, size: a.data.length, sha256: sha256(a.data), contentType: a.contentType };
  });
  const platforms = all.map((input, i) => ({
    platform: input.manifest.platform,
    tarball: assets[i],
    manifestName: all.length === 1 ? MANIFEST_ASSET : platformManifestName(input.manifest.platform),
    manifest: input.manifest,
  }));
  const body = renderReleaseBody(manifests, tag, assets);
  const bodyPath = join(dir, 'release-body.md');
  writeFileSync(bodyPath, body);
  return { tag, dir, assets, body, bodyPath, manifest: all[0].manifest, platforms };
}
