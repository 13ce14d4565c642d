/**
 * The names of a release's assets (pure): publish uploads them under these names, fetch and
 * pin-bump find them by the same names. The tag scheme is publish's (src/publish/tag.ts).
 */
import { LEGACY_PLATFORM_ID } from '../core/platform';

export function bundleAssetName(tag: string, platform: string = LEGACY_PLATFORM_ID): string {
  return `pg-bundle-${tag}-${platform}.tar.zst`;
}

export const MANIFEST_ASSET = 'manifest.json';

/**
 * A platform's manifest in a release of several platforms (`manifest-linux-aarch64.json`); such a
 * release also carries its first platform's as manifest.json, for readers that know one platform.
 */
export function platformManifestName(platform: string): string {
  return `manifest-${platform}.json`;
}
export const SHA256SUMS_ASSET = 'SHA256SUMS';
