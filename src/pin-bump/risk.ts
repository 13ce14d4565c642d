/**
 * Risk analysis of a pin bump (pure): which differences between the old and the new pin can change
 * collation order or on-disk results of existing databases. Everything else (a new minor release,
 * a different source revision, a bigger bundle) is ordinary and shown only in the tables.
 */
import { Manifest } from '../core/manifest';
import { pinnedPlatforms, primaryBundle } from '../pin/pinned';
import { PinFile, PinnedBundle, PinnedComponent, PinnedVersion } from '../pin/types';
import { walRedoChanges } from '../pin/walredo-dialect';

export type RiskKind =
  | 'postgres-major'
  | 'catalog-version'
  | 'icu-version'
  | 'icu-collation-version'
  | 'libc-version'
  | 'libc-collation-version'
  | 'default-locale'
  | 'locale-provider'
  | 'component'
  | 'walredo'
  | 'wal-sample'
  | 'wal-sample-passed'
  | 'not-measured';

export interface RiskItem {
  kind: RiskKind;
  /** PostgreSQL major version ("15") */
  version: string;
  what: string;
  old: string;
  new: string;
  /** why it matters, and what the reviewer should check */
  why: string;
  /** the platforms it concerns, when not every platform of the new pin */
  platforms?: string[];
}

const WHY: Record<RiskKind, string> = {
  'postgres-major':
    'the storage service needs a matching vNN directory for every timeline it serves; removing a version breaks tenants that still use it',
  'catalog-version':
    'data directories (and basebackups) are only compatible within one catalog version: existing timelines cannot be started by this build',
  'icu-version':
    'a new ICU major/minor version can change the sort order of ICU collations: indexes on text with ICU collations may need REINDEX, and servers report "collation version mismatch"',
  'icu-collation-version':
    'the collation version recorded in existing databases no longer matches: indexes that use ICU collations must be checked and rebuilt',
  'libc-version':
    'glibc collation rules can change between releases: indexes on text with libc collations other than C/POSIX may need REINDEX',
  'libc-collation-version':
    'the libc collation version recorded for the default collation changes: servers warn about a version mismatch for existing databases',
  'default-locale':
    'new clusters get a different default collation or character classification than existing ones: sort order and upper/lower behave differently',
  'locale-provider':
    'new clusters use a different collation provider for the default collation than existing ones',
  component:
    'a library linked into the static binaries changed (a security update, or a new upstream version): read its changelog; glibc and ICU changes can also change collation',
  walredo:
    "walredo replays another WAL dialect than before: a bundle that does not understand the storage service's WAL (a builtin walredo given a fork's WAL, a missing custom resource manager) writes wrong pages or fails every request; check that it matches the storage service's PostgreSQL",
  'wal-sample':
    "verify replayed a WAL sample the storage team gave (verify --wal) through this bundle's walredo: a failed chain means this bundle writes wrong pages (or none) for that WAL; 0 failed is measured, not declared",
  'wal-sample-passed':
    "verify replayed a WAL sample the storage team gave (verify --wal) through this bundle's walredo without a failure",
  'not-measured':
    'verify did not record this fact, so a change cannot be ruled out: run pg-bundle verify and bump again',
};

function show(value: string | number | null | undefined): string {
  return value === null || value === undefined ? 'not measured' : String(value);
}

/** "72.1" → "72.1", "72.1.0.3" → "72.1": the part of an ICU version that may change collation. */
export function icuMajorMinor(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

function compareVersion(major: string, a: PinnedVersion, b: PinnedVersion): RiskItem[] {
  const items: RiskItem[] = [];
  const add = (kind: RiskKind, what: string, oldValue: string, newValue: string) =>
    items.push({ kind, version: major, what, old: oldValue, new: newValue, why: WHY[kind] });

  if (a.catalogVersion !== b.catalogVersion)
    add('catalog-version', 'catalog version', String(a.catalogVersion), String(b.catalogVersion));
  if (a.postgresVersion.split('.')[0] !== b.postgresVersion.split('.')[0])
    add('postgres-major', 'PostgreSQL major version', a.postgresVersion, b.postgresVersion);

  if (a.icuVersion !== null && b.icuVersion !== null) {
    if (icuMajorMinor(a.icuVersion) !== icuMajorMinor(b.icuVersion))
      add('icu-version', 'ICU version', a.icuVersion, b.icuVersion);
  } else if (a.icuVersion !== b.icuVersion) {
    add('icu-version', 'ICU version', a.icuVersion ?? 'none', b.icuVersion ?? 'none');
  }
  const ac = a.collation;
  const bc = b.collation;
  if (
    ac.icuCollationVersion !== null &&
    bc.icuCollationVersion !== null &&
    ac.icuCollationVersion !== bc.icuCollationVersion
  )
    add('icu-collation-version', 'ICU collation version', ac.icuCollationVersion, bc.icuCollationVersion);

  if (a.libcVersion !== b.libcVersion) add('libc-version', 'glibc version', a.libcVersion, b.libcVersion);
  if (
    ac.libcCollationVersion !== null &&
    bc.libcCollationVersion !== null &&
    ac.libcCollationVersion !== bc.libcCollationVersion
  )
    add('libc-collation-version', 'libc collation version', ac.libcCollationVersion, bc.libcCollationVersion);

  if (ac.datcollate !== null && bc.datcollate !== null && ac.datcollate !== bc.datcollate)
    add('default-locale', 'default collation (datcollate)', ac.datcollate, bc.datcollate);
  if (ac.datctype !== null && bc.datctype !== null && ac.datctype !== bc.datctype)
    add('default-locale', 'default character classification (datctype)', ac.datctype, bc.datctype);
  if (ac.provider !== null && bc.provider !== null && ac.provider !== bc.provider)
    add('locale-provider', 'default locale provider', ac.provider, bc.provider);

  for (const change of walRedoChanges(a.walredo, b.walredo))
    add('walredo', change.what, change.old, change.new);

  for (const field of [
    'datcollate',
    'datctype',
    'provider',
    'icuCollationVersion',
    'libcCollationVersion',
  ] as const) {
    const skip = field === 'icuCollationVersion' && b.icuVersion === null;
    if (!skip && bc[field] === null) add('not-measured', field, show(ac[field]), show(bc[field]));
  }
  return items;
}

/** Linked-in library changes of one version, old → new (pure); by library name. */
export function componentChanges(
  major: string,
  oldComponents: PinnedComponent[] | undefined,
  newComponents: PinnedComponent[] | undefined,
): RiskItem[] {
  if (!oldComponents || !newComponents) return [];
  const label = (c: PinnedComponent | undefined) =>
    c ? (c.debianPackage ? `${c.debianPackage} ${c.debianVersion}` : c.version) : 'none';
  const before = new Map(oldComponents.map((c) => [c.name, c]));
  const after = new Map(newComponents.map((c) => [c.name, c]));
  const names = [...new Set([...before.keys(), ...after.keys()])].sort();
  return names
    .filter((n) => label(before.get(n)) !== label(after.get(n)))
    .map((n) => ({
      kind: 'component' as const,
      version: major,
      what: n,
      old: label(before.get(n)),
      new: label(after.get(n)),
      why: WHY.component,
    }));
}

/**
 * What verify --wal recorded for one version (pure): the sample, its dialect and the replay's
 * counts; a risk when a chain failed, a measured fact ('wal-sample-passed') otherwise.
 */
export function walSampleRisk(major: string, conformanceWalredo: unknown): RiskItem | undefined {
  const w = conformanceWalredo as
    | {
        walSample?: { dir: string; records: number; dialect: string };
        vectors?: { passed: number; failed: number; skipped: number; compared?: number };
      }
    | undefined;
  if (!w?.walSample || !w.vectors) return undefined;
  const { walSample: sample, vectors } = w;
  return {
    kind: vectors.failed > 0 ? 'wal-sample' : 'wal-sample-passed',
    version: major,
    what: `WAL sample ${sample.dir} (${sample.records} records)`,
    old: sample.dialect,
    new: `${vectors.passed} chains replayed${vectors.compared !== undefined ? ` (${vectors.compared} compared with an image the sample holds)` : ''}, ${vectors.failed} failed, ${vectors.skipped} skipped`,
    why: WHY['wal-sample'],
  };
}

/** Manifests given one or one per platform, as a list. */
export type ManifestSet = Manifest | Manifest[];

/** The manifest of a platform in a set (unless `exact`, a set of one stands for the only platform). */
export function manifestOf(
  set: ManifestSet | undefined,
  platform: string,
  exact = false,
): Manifest | undefined {
  const list = set === undefined ? [] : Array.isArray(set) ? set : [set];
  const own = list.find((m) => m.platform === platform);
  return own ?? (list.length === 1 && !exact ? list[0] : undefined);
}

/** One platform's risky differences, old bundle → new bundle (no old bundle: first pin of it). */
function platformRisk(
  a: PinnedBundle | undefined,
  b: PinnedBundle,
  oldPinned: boolean,
  manifests: { old?: Manifest; new?: Manifest },
): RiskItem[] {
  const items: RiskItem[] = [];
  const majors = [...new Set([...Object.keys(a?.versions ?? {}), ...Object.keys(b.versions)])].sort(
    (x, y) => Number(x) - Number(y),
  );
  for (const major of majors) {
    const av = a?.versions[major];
    const bv = b.versions[major];
    const sample = walSampleRisk(major, manifests.new?.versions[major]?.conformance?.walredo);
    if (sample) items.push(sample);
    if (av && bv) {
      items.push(...compareVersion(major, av, bv));
      items.push(
        ...componentChanges(
          major,
          manifests.old?.versions[major]?.components ?? av.components,
          manifests.new?.versions[major]?.components ?? bv.components,
        ),
      );
    } else if (av && !bv)
      items.push({
        kind: 'postgres-major',
        version: major,
        what: 'PostgreSQL major version removed',
        old: av.postgresVersion,
        new: 'none',
        why: WHY['postgres-major'],
      });
    else if (!av && bv) {
      if (oldPinned)
        items.push({
          kind: 'postgres-major',
          version: major,
          what: 'PostgreSQL major version added',
          old: 'none',
          new: bv.postgresVersion,
          why: 'a new major version: make sure the storage service is ready to serve it',
        });
      items.push(...compareVersion(major, bv, bv).filter((i) => i.kind === 'not-measured'));
    }
  }
  return items;
}

/**
 * Risky differences from the old pin to the new one, per platform of the new pin (each against the
 * old pin's bundle of the same platform; a platform the old pin lacks is a first pin of it); with
 * the manifests (one per platform), also each linked-in library change (old → new). An item found
 * on every platform is listed once, others name their platforms. Without an old pin (first bump)
 * only the facts the new pin lacks are reported.
 */
export function analyseRisk(
  oldPin: PinFile | undefined,
  newPin: PinFile,
  manifests: { old?: ManifestSet; new?: ManifestSet } = {},
): RiskItem[] {
  const platforms = pinnedPlatforms(newPin);
  const found = new Map<string, RiskItem>();
  for (const platform of platforms) {
    // a pin of one platform replacing one of another (a move to other machines) is compared as is
    const oldPlatform =
      oldPin && (oldPin.platforms[platform] || platforms.length > 1)
        ? platform
        : oldPin && primaryBundle(oldPin).platform;
    const old = oldPlatform === undefined ? undefined : oldPin?.platforms[oldPlatform];
    const items = platformRisk(old, newPin.platforms[platform], old !== undefined, {
      old: oldPlatform === undefined ? undefined : manifestOf(manifests.old, oldPlatform),
      new: manifestOf(manifests.new, platform),
    });
    for (const item of items) {
      const key = [item.kind, item.version, item.what, item.old, item.new].join('\u0000');
      const seen = found.get(key);
      if (seen) seen.platforms!.push(platform);
      else found.set(key, { ...item, platforms: [platform] });
    }
  }
  return [...found.values()].map((item) => {
    if (item.platforms!.length === platforms.length) {
      const rest: RiskItem = { ...item };
      delete rest.platforms;
      return rest;
    }
    return item;
  });
}
