/**
 * The pin file: what the consumer repository commits to say which pg-bundle release it uses
 * (default path pageserver/postgres-bundle.json). Format: schemas/pin-file.schema.json, explained
 * in docs/pin-file.md. Built from the release's manifest by a pure function and validated before
 * anything writes it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Component, Manifest, VersionManifest } from '../core/manifest';
import { UserError } from '../util/errors';
import { parseJson } from '../util/json';
import { packageRoot } from '../util/package-root';
import { pinnedWalRedo, PinnedWalRedo, WalRedoRequirement } from './walredo-dialect';

export const PIN_SCHEMA_VERSION = 1;
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

export interface PinFile {
  schemaVersion: number;
  tag: string;
  /** the release's created_at on GitHub: orders pins (older pins have none) */
  releasedAt?: string;
  platform: string;
  releaseUrl: string;
  assetName: string;
  assetUrl: string;
  sha256: string;
  manifestUrl?: string;
  versions: Record<string, PinnedVersion>;
  /** what the consumer requires of every version (kept across bumps; pin-bump and fetch enforce it) */
  requires?: { walredo?: WalRedoRequirement };
}

/** Where a release lives and what its bundle asset is (from publish, or computed from --tag). */
export interface ReleaseInfo {
  /** owner/name of the release repository */
  repository: string;
  tag: string;
  releaseUrl: string;
  assetName: string;
  assetUrl: string;
  sha256: string;
  manifestUrl?: string;
  /** the release's created_at on GitHub (a dry run has none) */
  releasedAt?: string;
  /** Link for "conformance report" in the PR body (default: manifestUrl). */
  conformanceUrl?: string;
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

/** The pin for a release of this manifest (pure). */
export function pinFromManifest(manifest: Manifest, release: ReleaseInfo): PinFile {
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  if (majors.length === 0)
    throw new UserError('the manifest lists no PostgreSQL version', 'run build and verify before pin-bump');
  const pin: PinFile = {
    schemaVersion: PIN_SCHEMA_VERSION,
    tag: release.tag,
    ...(release.releasedAt ? { releasedAt: release.releasedAt } : {}),
    platform: manifest.platform,
    releaseUrl: release.releaseUrl,
    assetName: release.assetName,
    assetUrl: release.assetUrl,
    sha256: release.sha256,
    ...(release.manifestUrl ? { manifestUrl: release.manifestUrl } : {}),
    versions: Object.fromEntries(majors.map((m) => [m, pinVersion(manifest.versions[m])])),
  };
  return pin;
}

/** Facts verify did not measure (they make the risk analysis blind), as "v15: datcollate" strings. */
export function unmeasuredFacts(pin: PinFile): string[] {
  const missing: string[] = [];
  for (const [major, v] of Object.entries(pin.versions)) {
    for (const [field, value] of Object.entries(v.collation)) {
      if (value === null && !(field === 'icuCollationVersion' && v.icuVersion === null))
        missing.push(`v${major}: ${field}`);
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
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
  );
}

export function assertValidPin(value: unknown, where: string): asserts value is PinFile {
  const problems = pinProblems(value);
  if (problems.length > 0) {
    throw new UserError(
      `${where} does not follow the pin file schema (schemas/pin-file.schema.json):\n  ${problems.join('\n  ')}`,
      'fix the file by hand or let pg-bundle pin-bump rewrite it',
    );
  }
}

/** The text committed to the consumer repository: validated, 2-space JSON, trailing newline. */
export function serialisePin(pin: PinFile): string {
  assertValidPin(pin, 'the new pin file');
  return JSON.stringify(pin, null, 2) + '\n';
}

/** Reads a pin file's text (pure). An invalid existing pin is reported, never silently replaced. */
export function parsePin(text: string, where: string): PinFile {
  const value = parseJson(text, where, 'fix or delete the file so that pin-bump can write a new one');
  assertValidPin(value, where);
  return value;
}

/** Two pins name the same release (same tag and same asset content). */
export function samePinnedRelease(a: PinFile, b: PinFile): boolean {
  return a.tag === b.tag && a.sha256 === b.sha256;
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
