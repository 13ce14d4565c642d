/** Finding or building the bundles a benchmark compares (static and dynamic, same source). */
import { Platform } from '../src/core/platform';
import { chmodSync, cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { buildBundles } from '../src/compile/build';
import { Linkage } from '../src/compile/types';
import { VersionManifest } from '../src/core/manifest';
import { readManifestFile } from '../src/core/manifest-file';
import { sourcesForVersions } from '../src/source/spec';
import { Logger } from '../src/util/logger';

export interface BenchBundle {
  label: string;
  linkage: Linkage;
  /** the out dir (holds vNN/ and manifest.json) */
  outDir: string;
  /** <outDir>/vNN */
  dir: string;
  manifest?: VersionManifest;
  /** true when this run built it */
  built: boolean;
  /** set when the bundle was copied to a place an unprivileged user can reach */
  copiedFrom?: string;
}

/** Directories on the way to `path` that others (the unprivileged user the programs run as) cannot enter. */
export function blockedAncestors(path: string, modeOf: (p: string) => number): string[] {
  const blocked: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    if ((modeOf(p) & 0o001) === 0) blocked.push(p);
    if (dirname(p) === p) return blocked;
  }
}

/**
 * initdb and postgres refuse to run as root, so they run as nobody; a bundle under e.g. /root
 * (mode 0700) is copied (links kept) to a temp directory they can reach. The original is not touched.
 */
export function reachableCopy(b: BenchBundle, major: number): BenchBundle {
  if (process.getuid?.() !== 0) return b;
  if (blockedAncestors(b.dir, (p) => statSync(p).mode).length === 0) return b;
  const outDir = join(tmpdir(), 'pg-bundle-bench', 'reachable', b.label);
  const dir = join(outDir, `v${major}`);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (let p = outDir; p !== dirname(p); p = dirname(p))
    if (p.startsWith(join(tmpdir(), 'pg-bundle-bench'))) chmodSync(p, 0o755);
  cpSync(b.dir, dir, { recursive: true, verbatimSymlinks: true });
  if (existsSync(join(b.outDir, 'manifest.json')))
    cpSync(join(b.outDir, 'manifest.json'), join(outDir, 'manifest.json'));
  return { ...b, outDir, dir, copiedFrom: b.dir };
}

export function readVersionManifest(outDir: string, major: number): VersionManifest | undefined {
  const file = join(outDir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  return readManifestFile(file).versions[String(major)];
}

/**
 * The source a bundle was built from, as `build` takes it again: the spec, and for a tarball the
 * checksum the manifest recorded (the build refuses a tarball without one).
 */
export function sourceOfManifest(m: VersionManifest): { spec: string; sha256?: string } {
  return m.source.kind === 'tarball' && m.source.tarballSha256
    ? { spec: m.source.spec, sha256: m.source.tarballSha256 }
    : { spec: m.source.spec };
}

export interface EnsureBundleInput {
  outDir: string;
  major: number;
  linkage: Linkage;
  /** source spec (template with {v} allowed) used when a build is needed; default debian:postgresql-{v} */
  source?: string;
  /** checksum of a tarball source (required by the build for tarball:, rejected for others) */
  sha256?: string;
  walredo?: string;
  cacheDir: string;
  jobs: number;
  log: Logger;
  /** build for this platform (default: this machine's; another one is cross-built) */
  platform?: Platform;
}

/** Reuses <outDir>/vNN when it has bin/postgres, otherwise builds it with the project's build. */
export async function ensureBundle(input: EnsureBundleInput): Promise<BenchBundle> {
  const outDir = resolve(input.outDir);
  const dir = join(outDir, `v${input.major}`);
  const label = input.linkage;
  if (existsSync(join(dir, 'bin', 'postgres'))) {
    const manifest = readVersionManifest(outDir, input.major);
    if (manifest && manifest.linkage !== input.linkage)
      throw new Error(
        `${outDir}: its manifest says linkage '${manifest.linkage}', expected '${input.linkage}'`,
      );
    return { label, linkage: input.linkage, outDir, dir, manifest, built: false };
  }
  await buildBundle(input);
  return {
    label,
    linkage: input.linkage,
    outDir,
    dir,
    manifest: readVersionManifest(outDir, input.major),
    built: true,
  };
}

export async function buildBundle(input: EnsureBundleInput): Promise<VersionManifest> {
  const manifest = await buildBundles({
    versions: [input.major],
    sources: sourcesForVersions(
      [input.major],
      [input.source ?? 'debian:postgresql-{v}'],
      input.sha256 ? [input.sha256] : [],
    ),
    out: resolve(input.outDir),
    cacheDir: input.cacheDir,
    modules: [],
    walredo: input.walredo as never,
    linkage: input.linkage,
    locales: ['C.UTF-8'],
    keepDebug: false,
    installDeps: false,
    jobs: input.jobs,
    log: input.log,
    platform: input.platform,
  });
  return manifest.versions[String(input.major)];
}
