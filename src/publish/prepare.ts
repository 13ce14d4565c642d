/**
 * Builds the release's asset set on disk, under <out>/publish/:
 *   pg-bundle-<tag>-linux-x86_64.tar.zst   deterministic tar of manifest.json + vNN/..., zstd
 *   manifest.json                          the merged manifest (also inside the tarball)
 *   sbom.cdx.json                          CycloneDX SBOM: PostgreSQL and every linked-in library (sbom.ts)
 *   SHA256SUMS                             sha256sum format, for the three files above
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
import { formatSha256Sums } from './checksums';
import { bundleAssetName, MANIFEST_ASSET, SHA256SUMS_ASSET } from './naming';
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

export interface PreparedRelease {
  tag: string;
  dir: string;
  /** The tarball first, then manifest.json, the SBOM, then SHA256SUMS (upload order). */
  assets: PreparedAsset[];
  body: string;
  bodyPath: string;
  manifest: Manifest;
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

export async function prepareRelease(
  input: PublishInput,
  tag: string,
  outDir: string,
  log: Logger,
): Promise<PreparedRelease> {
  const dir = join(outDir, 'publish');
  const tarballName = bundleAssetName(tag, input.manifest.platform);
  const archive = await log.step(`packing ${tarballName}`, () => buildBundleArchive(input));
  const manifestBytes = Buffer.from(manifestJson(input.manifest));
  const tarball = { name: tarballName, data: archive, contentType: 'application/zstd' };
  const manifestAsset = { name: MANIFEST_ASSET, data: manifestBytes, contentType: 'application/json' };
  const sbom = {
    name: SBOM_ASSET,
    data: Buffer.from(renderSbom(input.manifest, tag)),
    contentType: 'application/vnd.cyclonedx+json',
  };
  const sums = Buffer.from(
    formatSha256Sums([tarball, manifestAsset, sbom].map((a) => ({ name: a.name, sha256: sha256(a.data) }))),
  );
  const sumsAsset = { name: SHA256SUMS_ASSET, data: sums, contentType: 'text/plain' };

  mkdirSync(dir, { recursive: true });
  for (const stale of readdirSync(dir).filter((n) => /^pg-bundle-.*\.tar\.zst$/.test(n) && n !== tarballName))
    rmSync(join(dir, stale));
  const assets: PreparedAsset[] = [tarball, manifestAsset, sbom, sumsAsset].map((a) => {
    const path = join(dir, a.name);
    writeFileSync(path, a.data);
    return { name: a.name, path, size: a.data.length, sha256: sha256(a.data), contentType: a.contentType };
  });
  const body = renderReleaseBody(input.manifest, tag, assets);
  const bodyPath = join(dir, 'release-body.md');
  writeFileSync(bodyPath, body);
  return { tag, dir, assets, body, bodyPath, manifest: input.manifest };
}
