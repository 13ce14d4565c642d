/** What a pin names (pure): its platforms, the bundle shown or fetched by default, how two pins relate. */
import { hostPlatform, platformOrder } from '../core/platform';
import { PinFile, PinnedBundle } from './types';

/** The platforms a pin has a bundle for, in platform order. */
export function pinnedPlatforms(pin: PinFile): string[] {
  return platformOrder(Object.keys(pin.platforms));
}

/**
 * The bundle a release is compared and shown by (old → new tables, the compare measurement):
 * the first platform's, x86-64 when the pin has it.
 */
export function primaryBundle(pin: PinFile): PinnedBundle & { platform: string } {
  const platform = pinnedPlatforms(pin)[0];
  return { platform, ...pin.platforms[platform] };
}

/**
 * The bundle of a pin this machine fetches and compares by default (pure): the given platform's
 * (the host's) when the pin has it, else the first.
 */
export function defaultBundle(pin: PinFile, platform: string | undefined): PinnedBundle {
  return (platform !== undefined && pin.platforms[platform]) || primaryBundle(pin);
}

/**
 * The sha256 that names the bundle pin-bump's measurement compares: this machine's platform's
 * (what fetch takes here), else the first platform's. The compatibility status checks it.
 */
export function measuredSha256(pin: PinFile, platform = hostPlatform()?.id): string {
  return defaultBundle(pin, platform).sha256;
}

/** Facts verify did not measure (they make the risk analysis blind), as "v15: datcollate" strings. */
export function unmeasuredFacts(pin: PinFile): string[] {
  const missing: string[] = [];
  const platforms = pinnedPlatforms(pin);
  for (const platform of platforms) {
    const on = platforms.length > 1 ? ` (${platform})` : '';
    for (const [major, v] of Object.entries(pin.platforms[platform].versions)) {
      for (const [field, value] of Object.entries(v.collation)) {
        if (value === null && !(field === 'icuCollationVersion' && v.icuVersion === null))
          missing.push(`v${major}${on}: ${field}`);
      }
    }
  }
  return missing;
}

/** Two pins name the same release (same tag, same platforms, same content of each asset). */
export function samePinnedRelease(a: PinFile, b: PinFile): boolean {
  const sums = (p: PinFile) => pinnedPlatforms(p).map((id) => `${id}=${p.platforms[id].sha256}`);
  return a.tag === b.tag && sums(a).join(' ') === sums(b).join(' ');
}

/**
 * Whether `next` is a release created before the one `current` pins (pure). Undefined when either
 * pin lacks releasedAt (pins written before the field existed): the order is then unknown.
 */
export function isOlderRelease(current: PinFile, next: PinFile): boolean | undefined {
  if (!current.releasedAt || !next.releasedAt) return undefined;
  return Date.parse(next.releasedAt) < Date.parse(current.releasedAt);
}
