/**
 * rebuild-check (pure parts): the build inputs a manifest records, the toolchain differences, and
 * the per-file comparison of a bundle with its rebuild.
 */
import { compilerFlags, configureArgs } from '../compile/configure';
import type { Toolchain } from '../compile/types';
import type { BuildTarget } from '../compile/cross';
import { FileEntry, VersionManifest } from '../core/manifest';
import { parseSourceSpec, SourceSpec } from '../source/spec';

export interface RebuildInputs {
  major: number;
  source: SourceSpec;
  /** --icu-source, or undefined for the distribution's ICU */
  icuSource?: string;
  walredo: 'builtin' | 'fork' | 'none';
  /** --walredo-preload: modules walredo loads at start (builtin: compiled into its table; fork: declared) */
  walredoPreload: string[];
  linkage: 'static' | 'dynamic';
  /** --module directories (from the modules' origin "module:<dir>") */
  modules: string[];
  locales: string[];
  /** compiled with -g (--keep-debug), as the manifest's compiler flags say */
  debug: boolean;
  /** inputs the rebuild cannot reproduce as recorded: each one explains itself */
  problems: string[];
}

/**
 * The build inputs of one version, from its manifest entry (pure); `target`: the manifest's
 * platform built on this machine (a cross build's configure arguments name both).
 */
export function rebuildInputs(major: number, entry: VersionManifest, target?: BuildTarget): RebuildInputs {
  const problems: string[] = [];
  const { spec, kind, revision, tarballSha256 } = entry.source;
  let source: SourceSpec;
  if (kind === 'tarball') source = parseSourceSpec(spec, tarballSha256);
  else if (kind === 'debian') {
    // the exact Debian version built, even when the spec named none
    const pinned = /^debian:(.+)$/.exec(revision)?.[1];
    source = parseSourceSpec(pinned ? `debian:${pinned}` : spec);
  } else {
    source = parseSourceSpec(spec);
    problems.push(
      `the source is a directory (${spec}, revision ${revision}): the rebuild uses whatever that directory holds now`,
    );
  }
  let icuSource: string | undefined;
  const origin = entry.icu.origin;
  const debianIcu = /^debian:(icu=\S+)/.exec(origin);
  if (debianIcu) icuSource = `debian:${debianIcu[1]}`;
  else if (!origin.startsWith('distribution'))
    problems.push(
      `ICU came from ${origin}: its location is not recorded, so the rebuild uses the distribution's ICU`,
    );
  const expectedFlags = configureArgs({
    major,
    sourceDir: '',
    buildDir: '',
    icuPrefix: icuSource ? '<icu>' : undefined,
    // given whenever the tree's configure offers it: the rebuild of the same tree passes it again
    libseccomp: entry.configureFlags.includes('--with-libseccomp'),
    target,
  });
  if (JSON.stringify(expectedFlags) !== JSON.stringify(entry.configureFlags))
    problems.push(
      `the manifest records configure flags ${entry.configureFlags.join(' ')}, this pg-bundle passes ${expectedFlags.join(' ')}`,
    );
  // postgres carries configure's CFLAGS in its pg_config data: the rebuild must compile with the same
  const platform = target?.platform;
  const [plain, withDebug] = [compilerFlags(platform), compilerFlags(platform, true)];
  const debug = entry.compilerFlags === withDebug;
  if (entry.compilerFlags === undefined)
    problems.push(
      `the manifest does not record the compiler flags (a pg-bundle before they were recorded compiled with "${withDebug}"); the rebuild compiles with "${plain}", so postgres's pg_config data differs`,
    );
  else if (!debug && entry.compilerFlags !== plain)
    problems.push(
      `the manifest records compiler flags "${entry.compilerFlags}", this pg-bundle compiles with "${plain}" (or "${withDebug}" with --keep-debug)`,
    );
  const modules = entry.modules
    .map((m) => /^module:(.+)$/.exec(m.origin)?.[1])
    .filter((d): d is string => d !== undefined);
  return {
    major,
    source,
    icuSource,
    walredo: entry.walredo.mode,
    walredoPreload: entry.walredo.preload ?? [],
    linkage: entry.linkage,
    modules: [...new Set(modules)],
    locales: entry.locales,
    debug,
    problems,
  };
}

/** Fields of the recorded toolchain this machine's differs in (pure), e.g. "glibc: 2.36 here, 2.41 recorded". */
export function toolchainDifferences(recorded: Toolchain, here: Toolchain): string[] {
  return (['compiler', 'glibc', 'binutils'] as const)
    .filter((k) => recorded[k] !== here[k])
    .map((k) => `${k}: recorded "${recorded[k]}", this machine has "${here[k]}"`);
}

export interface FileComparison {
  identical: string[];
  /** path and why: "sha256 differs", "size 10 → 12", "missing in the rebuild", "only in the rebuild" */
  different: { path: string; detail: string }[];
}

/** Per file: identical (sha256 and size equal) or different (pure). */
export function compareRebuild(recorded: FileEntry[], rebuilt: FileEntry[]): FileComparison {
  const byPath = new Map(rebuilt.map((f) => [f.path, f]));
  const result: FileComparison = { identical: [], different: [] };
  for (const r of recorded) {
    const b = byPath.get(r.path);
    byPath.delete(r.path);
    if (!b) result.different.push({ path: r.path, detail: 'missing in the rebuild' });
    else if (r.size !== b.size) result.different.push({ path: r.path, detail: `size ${r.size} → ${b.size}` });
    else if (r.sha256 !== b.sha256)
      result.different.push({ path: r.path, detail: 'sha256 differs (same size)' });
    else result.identical.push(r.path);
  }
  for (const b of byPath.values()) result.different.push({ path: b.path, detail: 'only in the rebuild' });
  result.different.sort((x, y) => x.path.localeCompare(y.path));
  return result;
}

export interface VersionReport {
  major: number;
  inputs: RebuildInputs;
  toolchain: string[];
  files: FileComparison;
}

/** The report as text lines (pure). */
export function renderRebuildReport(reports: VersionReport[]): string[] {
  const lines: string[] = [];
  for (const r of reports) {
    const { identical, different } = r.files;
    lines.push(
      `v${r.major}: ${identical.length} identical, ${different.length} different` +
        (different.length === 0 ? ' — reproduced bit for bit' : ''),
    );
    for (const t of r.toolchain) lines.push(`  toolchain differs: ${t}`);
    for (const p of r.inputs.problems) lines.push(`  input: ${p}`);
    for (const d of different) lines.push(`  different: ${d.path} (${d.detail})`);
  }
  return lines;
}

/** Exit 0 only when every file of every version is identical. */
export function allIdentical(reports: VersionReport[]): boolean {
  return reports.every((r) => r.files.different.length === 0);
}
