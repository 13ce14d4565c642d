/** The one reader of the pin format (pure): either form, checked, as the second form. */
import { UserError } from '../util/errors';
import { parseJson } from '../util/json';
import { assertValidPin, platformVersionMismatch } from './schema';
import { PIN_SCHEMA_VERSION, PinFile, PinFileV1 } from './types';

/**
 * Reads a pin file's text (pure), either form; an invalid existing pin is reported, never silently
 * replaced. The result has the second form's shape.
 */
export function parsePin(text: string, where: string): PinFile {
  const value = parseJson(text, where, 'fix or delete the file so that pin-bump can write a new one');
  assertValidPin(value, where);
  const pin = upgradePin(value);
  const mismatch = platformVersionMismatch(pin.platforms);
  if (mismatch)
    throw new UserError(
      `${where} pins bundles of different PostgreSQL versions per platform: ${mismatch}`,
      'fix the file by hand or let pg-bundle pin-bump rewrite it: one release has the same versions on every platform',
    );
  return pin;
}

/** A pin of either form as the second form (pure). */
export function upgradePin(value: PinFile | PinFileV1): PinFile {
  if (value.schemaVersion !== 1) return value as PinFile;
  const v1 = value as PinFileV1;
  return {
    schemaVersion: PIN_SCHEMA_VERSION,
    tag: v1.tag,
    ...(v1.releasedAt ? { releasedAt: v1.releasedAt } : {}),
    releaseUrl: v1.releaseUrl,
    platforms: {
      [v1.platform]: {
        assetName: v1.assetName,
        assetUrl: v1.assetUrl,
        sha256: v1.sha256,
        ...(v1.manifestUrl ? { manifestUrl: v1.manifestUrl } : {}),
        versions: v1.versions,
      },
    },
    ...(v1.requires ? { requires: v1.requires } : {}),
  };
}
