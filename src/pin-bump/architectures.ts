/**
 * What differs between the architectures of one release (pure): the per-platform facts of the new
 * pin (ICU, glibc, collation versions, walredo, each linked-in library, bundle size) and, when the
 * manifests carry it, the measured cross-architecture equality. Shown in pin-bump's Risk section.
 */
import { CrossArchitectureResult, Manifest } from '../core/manifest';
import { pinnedPlatforms } from '../pin/pinned';
import { PinFile, PinnedComponent, PinnedVersion } from '../pin/types';
import { manifestOf, ManifestSet } from './risk';

export interface ArchitectureDifference {
  /** PostgreSQL major version ("15") */
  version: string;
  what: string;
  /** the value per platform id, in platform order ('—' where a platform lacks it) */
  values: Record<string, string>;
}

/** A version's cross-architecture equality, as the manifest of `platform` records it (or not). */
export interface ArchitectureEquality {
  version: string;
  platform: string;
  result?: CrossArchitectureResult;
}

export interface ArchitectureReport {
  platforms: string[];
  differences: ArchitectureDifference[];
  equality: ArchitectureEquality[];
}

const componentLabel = (c: PinnedComponent | undefined) =>
  c ? (c.debianVersion ? `${c.version} (${c.debianPackage} ${c.debianVersion})` : c.version) : '—';

/** The facts compared between platforms, by label. */
const FACTS: Array<[string, (v: PinnedVersion) => string]> = [
  ['catalog version', (v) => String(v.catalogVersion)],
  ['ICU', (v) => v.icuVersion ?? 'none'],
  ['ICU collation version', (v) => v.collation.icuCollationVersion ?? 'not measured'],
  ['glibc', (v) => v.libcVersion],
  ['libc collation version', (v) => v.collation.libcCollationVersion ?? 'not measured'],
  ['default collation', (v) => `${v.collation.datcollate ?? '?'} / ${v.collation.provider ?? '?'}`],
  ['walredo', (v) => v.walredo?.mode ?? 'not recorded'],
  ['bundle size', (v) => `${v.bundleSize.toLocaleString('en-US')} bytes`],
];

/** One version's differing facts across the given versions per platform. */
function versionDifferences(
  major: string,
  byPlatform: Record<string, PinnedVersion | undefined>,
): ArchitectureDifference[] {
  const platforms = Object.keys(byPlatform);
  const out: ArchitectureDifference[] = [];
  const add = (what: string, value: (v: PinnedVersion) => string) => {
    const values = Object.fromEntries(
      platforms.map((p) => [p, byPlatform[p] ? value(byPlatform[p] as PinnedVersion) : '—']),
    );
    if (new Set(Object.values(values)).size > 1) out.push({ version: major, what, values });
  };
  for (const [what, value] of FACTS) add(what, value);
  const names = new Set(Object.values(byPlatform).flatMap((v) => (v?.components ?? []).map((c) => c.name)));
  for (const name of [...names].sort())
    add(name, (v) => componentLabel(v.components?.find((c) => c.name === name)));
  return out;
}

/** A version's cross-architecture result: recorded by verify in its conformance, or on the version. */
function crossResult(m: Manifest | undefined, major: string): CrossArchitectureResult | undefined {
  const v = m?.versions[major];
  return v?.conformance?.crossArchitecture;
}

/** What differs between the platforms of the new pin, and what was measured about it (pure). */
export function architectureReport(pin: PinFile, manifests?: ManifestSet): ArchitectureReport {
  const platforms = pinnedPlatforms(pin);
  const majors = [...new Set(platforms.flatMap((p) => Object.keys(pin.platforms[p].versions)))].sort(
    (a, b) => Number(a) - Number(b),
  );
  const differences = majors.flatMap((major) =>
    versionDifferences(
      major,
      Object.fromEntries(platforms.map((p) => [p, pin.platforms[p].versions[major]])),
    ),
  );
  const equality = majors.map((version) => {
    const measured = platforms
      .map((platform) => ({ platform, result: crossResult(manifestOf(manifests, platform, true), version) }))
      .find(({ result }) => result !== undefined);
    const result = measured?.result;
    return { version, platform: measured?.platform ?? platforms[0], ...(result ? { result } : {}) };
  });
  return { platforms, differences, equality };
}
