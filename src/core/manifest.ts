/**
 * The bundle manifest: the public record of what a bundle contains and how it was made.
 * Written by `build` (<out>/manifest.json), extended by `verify` (conformance), merged by
 * `publish` and read by `pin-bump` and `fetch`. Field meanings are documented in docs/manifest.md.
 */

import { hostPlatform } from './platform';

export const MANIFEST_SCHEMA_VERSION = 1;

export interface FileEntry {
  /** Path relative to the bundle root, e.g. "v15/bin/postgres" */
  path: string;
  sha256: string;
  size: number;
  /** "0755" or "0644" */
  mode: string;
}

/** Resource manager ids a walredo binary replays: built-in (< 128) and custom (128..255). */
export interface RmgrSet {
  builtin: number[];
  custom: number[];
}

export interface ModuleEntry {
  name: string;
  /** in-tree (plpgsql, dict_snowball), builtin (pg-bundle's walredo), or the --module directory */
  origin: string;
  symbols: number;
  /** sibling directories of a --module directory built with it (its sources include "../<dir>/...") */
  siblings?: string[];
}

export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  detail: string;
}

export interface CollationFacts {
  /** ICU library version reported by the server (e.g. "72.1") */
  icuVersion?: string;
  /** pg_collation_actual_version of an ICU collation (e.g. "153.120") */
  icuCollationVersion?: string;
  datcollate?: string;
  datctype?: string;
  datlocprovider?: string;
  /** libc collation version (glibc version) reported for the default collation */
  libcCollationVersion?: string;
}

export interface VersionConformance {
  checks: CheckResult[];
  catalogVersion?: number;
  systemIdentifier?: string;
  dataChecksumVersion?: number;
  collation?: CollationFacts;
  walredo?: unknown;
  /** this version compared with the same version built for another platform (verify --cross-check) */
  crossArchitecture?: CrossArchitectureResult;
}

/** A library linked into the static binaries and the Debian package it came from (src/compile/components.ts). */
export interface Component {
  name: string;
  /** upstream version, e.g. "1.2.13" */
  version: string;
  /** the Debian package (and its version) the static library was taken from; absent when built from source */
  debianPackage?: string;
  debianVersion?: string;
  /** package URL, e.g. pkg:deb/debian/zlib1g-dev@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12 */
  purl: string;
}

export interface VersionManifest {
  postgres: { version: string; major: number; catversion: number };
  source: { spec: string; kind: string; revision: string; tarballSha256?: string };
  linkage: 'static' | 'dynamic';
  configureFlags: string[];
  /** CFLAGS configure recorded (pg_config's data inside postgres); manifests made before it was recorded lack it */
  compilerFlags?: string;
  toolchain: { compiler: string; glibc: string; binutils: string };
  icu: { version: string; origin: string };
  /** every library linked into the static binaries (manifests made before it was recorded lack it) */
  components?: Component[];
  locales: string[];
  modules: ModuleEntry[];
  /**
   * The WAL dialect walredo understands: its mode ('builtin' replays upstream WAL only), the
   * linked-in modules it loads, the ones it loads at start as shared_preload_libraries would
   * (`preload`, --walredo-preload: the builtin walredo loads them from its module table, a fork's
   * walredo loads them itself; verify's corpus server preloads them), and (after verify) the
   * resource managers it replays, measured.
   */
  walredo: { mode: 'builtin' | 'fork' | 'none'; modules?: string[]; preload?: string[]; rmgrs?: RmgrSet };
  files: FileEntry[];
  /** how long the build took: a fact of one run, left out of published manifests (publish/release-identity.ts) */
  buildDurationSeconds?: number;
  conformance?: VersionConformance;
}

/** Whether two platforms' builds of one version give the same results: initdb's files, pages written. */
export interface CrossArchitectureResult {
  /** the platform id compared with, e.g. 'linux-x86_64' */
  comparedWith: string;
  /** absent: initdb's clusters were not compared */
  initdbIdentical?: boolean;
  /** data-directory files compared (pages masked as verify masks) */
  initdbFilesCompared?: number;
  /** walredo pages both platforms' walredo answered for the same requests, and how many differ (absent: not measured) */
  pagesCompared?: number;
  pagesDiffering?: number;
}

export interface Manifest {
  schemaVersion: number;
  tool: { name: 'pg-bundle'; version: string };
  platform: string;
  versions: Record<string, VersionManifest>;
}

/** A manifest with no version yet, for `platform` (default: the one this process runs on). */
export function emptyManifest(
  toolVersion: string,
  platform: string = hostPlatform()?.id ?? 'linux-x86_64',
): Manifest {
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tool: { name: 'pg-bundle', version: toolVersion },
    platform,
    versions: {},
  };
}

/** Combines manifests of disjoint version sets (matrix jobs); a version present twice is an error. */
export function mergeManifests(manifests: Manifest[]): Manifest {
  if (manifests.length === 0) throw new Error('no manifests to merge');
  const merged: Manifest = { ...manifests[0], versions: {} };
  for (const m of manifests) {
    if (m.schemaVersion !== MANIFEST_SCHEMA_VERSION)
      throw new Error(
        `manifest schema version ${m.schemaVersion} is not supported (expected ${MANIFEST_SCHEMA_VERSION})`,
      );
    for (const [v, entry] of Object.entries(m.versions)) {
      if (merged.versions[v]) throw new Error(`version ${v} appears in more than one manifest`);
      merged.versions[v] = entry;
    }
  }
  merged.versions = Object.fromEntries(
    Object.entries(merged.versions).sort(([a], [b]) => Number(a) - Number(b)),
  );
  return merged;
}

/** Puts one version's entry into a manifest (replacing an older entry for the same version). */
export function withVersion(manifest: Manifest, major: number, entry: VersionManifest): Manifest {
  const versions = { ...manifest.versions, [String(major)]: entry };
  return {
    ...manifest,
    versions: Object.fromEntries(Object.entries(versions).sort(([a], [b]) => Number(a) - Number(b))),
  };
}

export interface FileDifference {
  path: string;
  problem: 'missing' | 'changed' | 'unexpected';
  detail: string;
}

/** Compares files found on disk with the manifest's list (pure). */
export function compareFiles(expected: FileEntry[], actual: FileEntry[]): FileDifference[] {
  const diffs: FileDifference[] = [];
  const byPath = new Map(actual.map((f) => [f.path, f]));
  for (const e of expected) {
    const a = byPath.get(e.path);
    if (!a)
      diffs.push({
        path: e.path,
        problem: 'missing',
        detail: 'listed in the manifest but not in the bundle',
      });
    else if (a.sha256 !== e.sha256)
      diffs.push({
        path: e.path,
        problem: 'changed',
        detail: `sha256 is ${a.sha256}, manifest says ${e.sha256}`,
      });
    else if (a.mode !== e.mode)
      diffs.push({ path: e.path, problem: 'changed', detail: `mode is ${a.mode}, manifest says ${e.mode}` });
    byPath.delete(e.path);
  }
  for (const a of byPath.values())
    diffs.push({ path: a.path, problem: 'unexpected', detail: 'in the bundle but not in the manifest' });
  return diffs;
}
