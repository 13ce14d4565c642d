/**
 * Which platform's bundle fetch takes: `--arch`, else the machine's; and that platform's bundle of
 * a pin (pure), refused in one line when the pin has none.
 */
import { archOption, PLATFORMS } from '../core/platform';
import { pinnedPlatforms } from '../pin/pinned';
import { PinFile, PinnedBundle } from '../pin/types';
import { UserError } from '../util/errors';
import { shown } from '../util/log-text';

/** A pin's bundle for one platform, flattened with the release facts fetch needs. */
export interface PlatformPin extends PinnedBundle {
  tag: string;
  platform: string;
  requires?: PinFile['requires'];
}

/** The platform a fetch takes: `arch` (as --arch takes it), else the machine's. */
export function fetchPlatform(arch: string | undefined): string {
  return archOption(arch).id;
}

/** The pin's bundle for `platform`; a pin without one is refused, naming the platforms it has. */
export function platformPin(pin: PinFile, platform: string, where: string): PlatformPin {
  const bundle = pin.platforms[platform];
  if (!bundle) {
    const has = pinnedPlatforms(pin);
    const other = PLATFORMS.find((p) => p.id === has[0]);
    throw new UserError(
      `${where} pins ${shown(pin.tag)} without a bundle for ${platform} (it has ${has.map((p) => shown(p)).join(', ')})`,
      `pin-bump a release published with the ${platform} artifacts too${other ? `, or pass --arch ${other.arch} to fetch the ${other.id} bundle` : ''}`,
    );
  }
  return { ...bundle, tag: pin.tag, platform, ...(pin.requires ? { requires: pin.requires } : {}) };
}
