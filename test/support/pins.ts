/** Pins and release facts for tests: one platform's release, a pin with one bundle patched. */
import { primaryBundle } from '../../src/pin/pinned';
import { PinFile, PinnedBundle } from '../../src/pin/types';
import { ReleaseInfo } from '../../src/release/info';

export interface OnePlatformRelease {
  repository: string;
  tag: string;
  releaseUrl: string;
  assetName: string;
  assetUrl: string;
  sha256: string;
  manifestUrl?: string;
  releasedAt?: string;
  /** default linux-x86_64 */
  platform?: string;
}

/** The ReleaseInfo of a release with one platform's bundle. */
export function releaseOf(r: OnePlatformRelease): ReleaseInfo {
  const { repository, tag, releaseUrl, assetName, assetUrl, sha256, manifestUrl, releasedAt } = r;
  return {
    repository,
    tag,
    releaseUrl,
    ...(releasedAt ? { releasedAt } : {}),
    assets: {
      [r.platform ?? 'linux-x86_64']: {
        assetName,
        assetUrl,
        sha256,
        ...(manifestUrl ? { manifestUrl } : {}),
      },
    },
  };
}

/** A copy of the pin with its first platform's bundle (or `platform`'s) changed. */
export function withBundle(pin: PinFile, patch: Partial<PinnedBundle>, platform?: string): PinFile {
  const id = platform ?? primaryBundle(pin).platform;
  return { ...pin, platforms: { ...pin.platforms, [id]: { ...pin.platforms[id], ...patch } } };
}

/**
 * The pin in the first form (schemaVersion 1, one platform), as consumers committed pins before
 * releases had several platforms: fetch still reads it.
 */
export function firstForm(pin: PinFile): Record<string, unknown> {
  const { platform, versions, ...bundle } = primaryBundle(pin);
  const release: Partial<PinFile> = { ...pin };
  delete release.platforms;
  delete release.schemaVersion;
  return { schemaVersion: 1, ...release, platform, ...bundle, versions };
}

/** The first platform's versions of a pin (the object itself: changing it changes the pin). */
export const versionsOf = (pin: PinFile) => primaryBundle(pin).versions;
