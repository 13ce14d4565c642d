/**
 * What fetch checks before it trusts a byte (pure but for the thrown refusals): the download's
 * sha256 against whoever vouches for it, the pin's URLs, the bundle's manifest against its shape
 * and against the pin, and the limits that bound how much a hostile asset can make fetch hold.
 */
import { FileEntry, Manifest, VersionManifest } from '../core/manifest';
import { postgresVersionPattern } from '../pin/schema';
import { PinFile } from '../pin/types';
import { pinnedWalRedo, unmetRequirements } from '../pin/walredo-dialect';
import { UserError } from '../util/errors';
import { isSha256Hex, sha256 } from '../util/hash';
import { shown } from '../util/log-text';
import { PlatformPin } from './platform';

/** Who vouches for the sha256 the download must have (named in the mismatch error), and the fix. */
export interface Voucher {
  /** e.g. "the pin requires" */
  requires: string;
  fix: string;
}

export const PIN_VOUCHER: Voucher = {
  requires: 'the pin requires',
  fix: 'do not use it: the asset was replaced or damaged. Re-run pin-bump for the release you want, or re-publish the pinned one',
};

export function sumsVoucher(tag: string, repository: string): Voucher {
  return {
    requires: `SHA256SUMS of release ${tag} in ${repository} lists`,
    fix: 'do not use it: the asset was replaced or damaged after publishing. Re-publish the release (publish --replace)',
  };
}

/** The data's sha256, refused unless it is the one the voucher states for `url`. */
export function checkSha256(data: Buffer, want: string, url: string, what: string, voucher: Voucher): string {
  const actual = sha256(data);
  if (actual !== want)
    throw new UserError(
      `the downloaded ${what} has sha256 ${actual}, ${voucher.requires} ${want} (${url})`,
      voucher.fix,
    );
  return actual;
}

export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
/**
 * Room for manifest.json, tar headers and padding beyond the files the pin declares (a bundle of
 * five versions has about 3,500 entries: under 4 MiB of headers and padding). It bounds, with the
 * declared sizes, how much a decompression bomb can make fetch hold before it is stopped.
 */
const TAR_OVERHEAD = MAX_MANIFEST_BYTES + 8 * 1024 * 1024;

/** The largest uncompressed archive the pin allows: its versions' file sizes plus tar overhead. */
export function maxArchiveBytes(pin: PlatformPin): number {
  return Object.values(pin.versions).reduce((sum, v) => sum + v.bundleSize, 0) + TAR_OVERHEAD;
}

/** The largest asset the pin allows: zstd never grows incompressible data by more than a few bytes per 128 KiB block. */
export function maxAssetBytes(pin: PlatformPin): number {
  return Math.ceil(maxArchiveBytes(pin) * 1.01) + 1024 * 1024;
}

/** The pin's URLs, refused when they carry credentials (they would be printed, logged and retried). */
export function refuseCredentials(pin: PinFile, chosen: PlatformPin, where: string): void {
  const urls = { assetUrl: chosen.assetUrl, releaseUrl: pin.releaseUrl, manifestUrl: chosen.manifestUrl };
  for (const field of ['assetUrl', 'releaseUrl', 'manifestUrl'] as const) {
    const value = urls[field];
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      continue; // the schema checked the form
    }
    if (url.username || url.password) {
      url.username = url.username ? '***' : '';
      url.password = url.password ? '***' : '';
      throw new UserError(
        `${where}: ${field} carries credentials (${url.toString()})`,
        'remove the user and password from the URL; give a token for a private release repository with --token or GITHUB_TOKEN instead',
      );
    }
  }
}

/**
 * The bundle's own manifest, refused when its shape is not one fetch relies on, when it contradicts
 * the pin, or when it lacks what the pin requires.
 */
export function checkManifestAgainstPin(manifest: Manifest, pin: PlatformPin): void {
  const problems = [...manifestShapeProblems(manifest)];
  if (problems.length === 0) problems.push(...pinMismatches(manifest, pin));
  if (problems.length) throw refuse(problems.slice(0, 10).join('; '));
  refuseUnmetRequirements(manifest, pin);
}

/** What the pin says that the bundle's manifest contradicts (pure). */
function pinMismatches(manifest: Manifest, pin: PlatformPin): string[] {
  const problems: string[] = [];
  // an x86-64 bundle behind an aarch64 asset name (or the reverse) would not even start
  if (manifest.platform !== pin.platform)
    problems.push(
      `the bundle is built for ${shown(String(manifest.platform))}, the pin's ${pin.platform} asset must hold a ${pin.platform} bundle`,
    );
  for (const [major, v] of Object.entries(pin.versions)) {
    const m = manifest.versions[major];
    if (!m) problems.push(`the pin lists PostgreSQL ${major} but the bundle does not contain it`);
    else if (v.postgresVersion !== m.postgres.version)
      problems.push(
        `v${major}: the pin says PostgreSQL ${v.postgresVersion}, the bundle has ${shown(m.postgres.version)}`,
      );
  }
  // only what the pin lists is installed: a major it does not name was never reviewed
  for (const major of Object.keys(manifest.versions))
    if (!pin.versions[major])
      problems.push(`the bundle contains PostgreSQL ${shown(major)}, which the pin does not list`);
  return problems;
}

export const VERSION_KEY = /^[1-9][0-9]*$/;

/** Shape problems of a manifest fetch relies on: version keys, file entries (pure). */
export function manifestShapeProblems(manifest: Manifest): string[] {
  const problems: string[] = [];
  for (const [key, v] of Object.entries(manifest.versions)) {
    if (!VERSION_KEY.test(key)) {
      problems.push(`version key ${shown(JSON.stringify(key))} is not a major version number`);
      continue;
    }
    const entry = v as Partial<VersionManifest> | null;
    if (typeof entry?.postgres?.version !== 'string' || !Array.isArray(entry.files)) {
      problems.push(`version ${key} has no postgres.version or no files list`);
      continue;
    }
    if (!postgresVersionPattern().test(entry.postgres.version)) {
      problems.push(
        `version ${key} has postgres.version "${shown(entry.postgres.version)}", not a PostgreSQL version (the pin schema's pattern ${postgresVersionPattern().source})`,
      );
      continue;
    }
    for (const f of entry.files as unknown[])
      if (!wellFormedFile(f as Partial<FileEntry> | null, key))
        problems.push(`version ${key} lists a malformed file entry ${shown(JSON.stringify(f), 120)}`);
  }
  return problems;
}

/** A file entry fetch can check an archive entry against: its path in vNN/, sha256, size and mode. */
function wellFormedFile(file: Partial<FileEntry> | null, key: string): boolean {
  return (
    typeof file?.path === 'string' &&
    file.path.startsWith(`v${key}/`) &&
    typeof file.sha256 === 'string' &&
    isSha256Hex(file.sha256) &&
    Number.isSafeInteger(file.size) &&
    (file.size as number) >= 0 &&
    (file.mode === '0755' || file.mode === '0644')
  );
}

/**
 * The storage service's requirements (`requires` in the pin) checked against the bundle's own
 * manifest, which the pin's sha256 vouches for (the pin's per-version facts could be edited).
 */
function refuseUnmetRequirements(manifest: Manifest, pin: PlatformPin): void {
  const dialects = Object.fromEntries(
    Object.entries(manifest.versions).map(([major, v]) => [
      major,
      { walredo: typeof v.walredo?.mode === 'string' ? pinnedWalRedo(v) : undefined },
    ]),
  );
  const unmet = unmetRequirements(dialects, pin.requires?.walredo);
  if (unmet.length > 0)
    throw new UserError(
      `the pinned bundle ${pin.tag} does not provide what the pin requires: ${unmet.join('; ')}`,
      'pin a bundle built for the storage service\'s WAL (e.g. from its fork\'s tree with --walredo fork), or change "requires" in a reviewed pull request',
    );
}

/** A bundle that does not match its manifest or the pin, refused in one line naming the problem. */
export function refuse(problem: string): UserError {
  return new UserError(
    `the bundle does not match its manifest or the pin: ${problem}`,
    'do not use this bundle; re-publish the release or pin another one',
  );
}
