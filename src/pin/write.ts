/**
 * The pin for a release, built from its manifests by a pure function, and its text, validated before
 * anything writes it.
 */
import { Manifest, VersionManifest } from '../core/manifest';
import { platformOrder } from '../core/platform';
import { ReleaseInfo } from '../release/info';
import { UserError } from '../util/errors';
import { assertValidPin, platformVersionMismatch } from './schema';
import { CollationProvider, PIN_SCHEMA_VERSION, PinFile, PinnedBundle, PinnedVersion } from './types';
import { pinnedWalRedo } from './walredo-dialect';

/** pg_database.datlocprovider is a single letter; verify may also record the word. */
export function normaliseProvider(value: string | undefined): CollationProvider | null {
  switch (value?.trim().toLowerCase()) {
    case 'c':
    case 'libc':
      return 'libc';
    case 'i':
    case 'icu':
      return 'icu';
    case 'b':
    case 'builtin':
      return 'builtin';
    default:
      return null;
  }
}

function pinVersion(v: VersionManifest): PinnedVersion {
  const measured = v.conformance?.collation;
  const icu = measured?.icuVersion ?? (v.icu.version && v.icu.version !== 'none' ? v.icu.version : null);
  return {
    postgresVersion: v.postgres.version,
    sourceRevision: v.source.revision,
    catalogVersion: v.conformance?.catalogVersion ?? v.postgres.catversion,
    icuVersion: icu || null,
    libcVersion: v.toolchain.glibc,
    collation: {
      datcollate: measured?.datcollate || null,
      datctype: measured?.datctype || null,
      provider: normaliseProvider(measured?.datlocprovider),
      icuCollationVersion: measured?.icuCollationVersion || null,
      libcCollationVersion: measured?.libcCollationVersion || null,
    },
    bundleSize: v.files.reduce((sum, f) => sum + f.size, 0),
    walredo: pinnedWalRedo(v),
    ...(v.components
      ? {
          components: v.components.map(({ name, version, debianPackage, debianVersion }) => ({
            name,
            version,
            ...(debianPackage ? { debianPackage, debianVersion } : {}),
          })),
        }
      : {}),
  };
}

/** The pin for a release of these manifests, one per platform (pure). */
export function pinFromManifests(manifests: Manifest[], release: ReleaseInfo): PinFile {
  if (manifests.length === 0)
    throw new UserError(
      'no manifest of the release was found',
      'run build, verify and publish before pin-bump',
    );
  const platforms: Record<string, PinnedBundle> = {};
  for (const id of platformOrder(manifests.map((m) => m.platform))) {
    const manifest = manifests.find((m) => m.platform === id) as Manifest;
    const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
    if (majors.length === 0)
      throw new UserError(
        `the ${id} manifest lists no PostgreSQL version`,
        'run build and verify before pin-bump',
      );
    const asset = release.assets[id];
    if (!asset)
      throw new UserError(
        `release ${release.tag} has no bundle asset for ${id}, whose manifest pin-bump read`,
        "run publish with the same --out and every platform's artifacts before pin-bump",
      );
    platforms[id] = {
      assetName: asset.assetName,
      assetUrl: asset.assetUrl,
      sha256: asset.sha256,
      ...(asset.manifestUrl ? { manifestUrl: asset.manifestUrl } : {}),
      versions: Object.fromEntries(majors.map((m) => [m, pinVersion(manifest.versions[m])])),
    };
  }
  return {
    schemaVersion: PIN_SCHEMA_VERSION,
    tag: release.tag,
    ...(release.releasedAt ? { releasedAt: release.releasedAt } : {}),
    releaseUrl: release.releaseUrl,
    platforms,
  };
}

/** The pin for a release of one platform's manifest (pure). */
export function pinFromManifest(manifest: Manifest, release: ReleaseInfo): PinFile {
  return pinFromManifests([manifest], release);
}

/** The text committed to the consumer repository: validated, 2-space JSON, trailing newline. */
export function serialisePin(pin: PinFile): string {
  assertValidPin(pin, 'the new pin file');
  const mismatch = platformVersionMismatch(pin.platforms);
  if (mismatch)
    throw new UserError(
      `the new pin file names bundles of different PostgreSQL versions: ${mismatch}`,
      'publish the platforms of one release from the same sources',
    );
  return JSON.stringify(pin, null, 2) + '\n';
}
