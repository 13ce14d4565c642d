/**
 * The pin file: what the consumer repository commits to say which pg-bundle release it uses
 * (default path pageserver/postgres-bundle.json). Format: schemas/pin-file.schema.json, explained
 * in docs/pin-file.md. Two forms are read: schemaVersion 1 (one platform) and 2 (one bundle per
 * platform); a pin of the first form reads as one with one platform, and pin-bump writes the second.
 * Built from the release's manifests by a pure function and validated before anything writes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Component, Manifest, VersionManifest } from '../core/manifest';
import { hostPlatform, platformOrder } from '../core/platform';
import { UserError } from '../util/errors';
import { parseJson } from '../util/json';
import { shown } from '../util/log-text';
import { packageRoot } from '../util/package-root';
import { ReleaseInfo } from '../release/info';
import { pinnedWalRedo, PinnedWalRedo, WalRedoRequirement } from './walredo-dialect';

export const PIN_SCHEMA_VERSION = 2;
export const DEFAULT_PIN_PATH = 'pageserver/postgres-bundle.json';

export type CollationProvider = 'libc' | 'icu' | 'builtin';

export interface PinnedCollation {
  datcollate: string | null;
  datctype: string | null;
  provider: CollationProvider | null;
  icuCollationVersion: string | null;
  libcCollationVersion: string | null;
}

export interface PinnedVersion {
  postgresVersion: string;
  sourceRevision: string;
  catalogVersion: number;
  icuVersion: string | null;
  libcVersion: string;
  collation: PinnedCollation;
  bundleSize: number;
  /** the WAL dialect walredo understands (pins written before it was recorded have none) */
  walredo?: PinnedWalRedo;
  /** the libraries linked into the static binaries, so the next bump can name each change */
  components?: PinnedComponent[];
}

export type PinnedComponent = Pick<Component, 'name' | 'version' | 'debianPackage' | 'debianVersion'>;

/** One platform's bundle of the pinned release. */
export interface PinnedBundle {
  assetName: string;
  assetUrl: string;
  sha256: string;
  /** this platform's manifest (build facts and conformance report) */
  manifestUrl?: string;
  versions: Record<string, PinnedVersion>;
}

/** A pin as written now (schemaVersion 2) and as every pin reads. */
export interface PinFile {
  schemaVersion: number;
  tag: string;
  /** the release's created_at on GitHub: orders pins (older pins have none) */
  releasedAt?: string;
  releaseUrl: string;
  /** one bundle per platform id (linux-x86_64, linux-aarch64), in PLATFORMS order */
  platforms: Record<string, PinnedBundle>;
  /** what the consumer requires of every version (kept across bumps; pin-bump and fetch enforce it) */
  requires?: { walredo?: WalRedoRequirement };
}

/** The first form (schemaVersion 1): one platform, its bundle's fields at the top. */
export interface PinFileV1 extends PinnedBundle {
  schemaVersion: 1;
  tag: string;
  releasedAt?: string;
  platform: string;
  releaseUrl: string;
  requires?: { walredo?: WalRedoRequirement };
}

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

let validator: ValidateFunction | undefined;

export function pinSchemaPath(): string {
  return join(packageRoot(), 'schemas', 'pin-file.schema.json');
}

function pinValidator(): ValidateFunction {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    validator = ajv.compile(JSON.parse(readFileSync(pinSchemaPath(), 'utf8')) as object);
  }
  return validator;
}

let versionPattern: RegExp | undefined;

/** The pin schema's pattern of a PostgreSQL version (`$defs.version.properties.postgresVersion`). */
export function postgresVersionPattern(): RegExp {
  if (!versionPattern) {
    const schema = JSON.parse(readFileSync(pinSchemaPath(), 'utf8')) as {
      $defs: { version: { properties: { postgresVersion: { pattern: string } } } };
    };
    versionPattern = new RegExp(schema.$defs.version.properties.postgresVersion.pattern);
  }
  return versionPattern;
}

/** Schema problems of a parsed pin file, as readable lines (empty when valid). */
export function pinProblems(value: unknown): string[] {
  const validate = pinValidator();
  if (validate(value)) return [];
  // "must match then/else schema" only repeats that the form's own errors exist
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map(
      (e) =>
        `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
}

export function assertValidPin(value: unknown, where: string): asserts value is PinFile | PinFileV1 {
  const problems = pinProblems(value);
  if (problems.length > 0) {
    throw new UserError(
      `${where} does not follow the pin file schema (schemas/pin-file.schema.json):\n  ${problems.join('\n  ')}`,
      'fix the file by hand or let pg-bundle pin-bump rewrite it',
    );
  }
}

/** The platforms of one release must hold the same PostgreSQL versions (pure); the first difference, or undefined. */
export function platformVersionMismatch(platforms: Record<string, PinnedBundle>): string | undefined {
  const [first, ...others] = platformOrder(Object.keys(platforms));
  const describe = (b: PinnedBundle) =>
    Object.keys(b.versions)
      .sort((a, c) => Number(a) - Number(c))
      .map((m) => `${m}=${b.versions[m].postgresVersion}`)
      .join(', ');
  for (const other of others) {
    const a = describe(platforms[first]);
    const b = describe(platforms[other]);
    if (a !== b) return `${first} has PostgreSQL ${shown(a)} but ${other} has ${shown(b)}`;
  }
  return undefined;
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

/** Why a --pin-file path cannot be used (it must be a plain repository path), or undefined. */
export function pinPathProblem(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || path.endsWith('/'))
    return `pin file path ${JSON.stringify(path)} must be a file path relative to the repository root, without a leading or trailing slash`;
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..'))
    return `pin file path ${JSON.stringify(path)} must not contain empty, "." or ".." segments`;
  if (/[\s*?[\]\\!#]/.test(path))
    return `pin file path ${JSON.stringify(path)} must not contain white space or any of * ? [ ] \\ ! # (they cannot be written as a CODEOWNERS pattern)`;
  return undefined;
}
