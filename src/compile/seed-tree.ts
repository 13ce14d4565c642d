/**
 * A compiled tree for a new source seeded from the compiled tree of a similar one (a fork tree made
 * from an upstream tarball): the base's build directory and source are copied with their mtimes,
 * the paths inside are moved to the new tree, and the new source is then synced in by content
 * (source-snapshot.ts), so make rebuilds only what the differing files reach. Objects hold no build
 * path (the compiler front maps them away), so a seeded tree yields the files a cold build does.
 */
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { run } from '../util/exec';
import { differingPaths } from './source-snapshot';

/** What `.pg-bundle-configured` records of a compiled tree. */
export interface ConfiguredTree {
  /** the directory the tree was compiled from (a dir: source's snapshot) */
  source: string;
  /** the source directory the user named, when it was compiled from a snapshot of it */
  origin?: string;
  revision: string;
  args: string[];
  /** everything of the tree key but the source (configure flags, compiler flags, ICU, toolchain) */
  flagsKey?: string;
  /** TREE_LAYOUT of the build that recorded it; only trees of the current layout are seed bases */
  layout?: number;
}

/**
 * Layout of compiled trees that may seed others: 2 = dir: sources compiled from <cache>/snapshots/
 * (layout 1 kept them at <build>.src, whose objects carry `..src/` paths in their debug info).
 */
export const TREE_LAYOUT = 2;

export const CONFIGURED_FILE = '.pg-bundle-configured';

export function readConfigured(buildDir: string): ConfiguredTree | undefined {
  try {
    return JSON.parse(readFileSync(join(buildDir, CONFIGURED_FILE), 'utf8')) as ConfiguredTree;
  } catch {
    return undefined;
  }
}

/** At most this many compiled trees (the most recently configured) are compared with a new source. */
export const MAX_CANDIDATES = 4;

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** A base is worth seeding from while at most this share of the new source's files differ. */
export const MAX_DIFFERING_SHARE = 0.25;

export interface SeedBase {
  buildDir: string;
  source: string;
  differing: number;
  total: number;
}

/** The compiled tree of the same major and flags whose source is closest to `source`, if close enough. */
export function findSeedBase(input: {
  cacheBuildDir: string;
  major: number;
  flagsKey: string;
  source: string;
  exclude: string;
}): SeedBase | undefined {
  if (!existsSync(input.cacheBuildDir)) return undefined;
  // the most recently used candidates only: each comparison reads both trees
  const candidates = readdirSync(input.cacheBuildDir)
    .filter((name) => name.startsWith(`v${input.major}-`) && !name.includes('.'))
    .map((name) => join(input.cacheBuildDir, name))
    .filter((dir) => {
      const c = dir === input.exclude ? undefined : readConfigured(dir);
      return c?.flagsKey === input.flagsKey && c.layout === TREE_LAYOUT;
    })
    .map((dir) => ({ dir, used: mtimeOf(join(dir, CONFIGURED_FILE)) }))
    .sort((a, b) => b.used - a.used)
    .slice(0, MAX_CANDIDATES);
  let best: SeedBase | undefined;
  for (const { dir: buildDir } of candidates) {
    const source = readConfigured(buildDir)?.source;
    if (!source) continue;
    let differing: string[], total: number;
    try {
      ({ differing, total } = differingPaths(input.source, source));
    } catch {
      continue; // another build is changing that tree's snapshot, or it is gone: not a base
    }
    if (differing.length > total * MAX_DIFFERING_SHARE) continue;
    if (!best || differing.length < best.differing)
      best = { buildDir, source, differing: differing.length, total };
  }
  return best;
}

/** Replaces every occurrence of the `moves` keys by their values (pure; one pass, longest key first). */
export function movePaths(text: string, moves: Map<string, string>): string {
  const keys = [...moves.keys()].sort((a, b) => b.length - a.length);
  if (keys.length === 0) return text;
  const pattern = new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return text.replace(pattern, (m) => moves.get(m)!);
}

/** ELF objects, archives and executables: no text to move (and no path in them: the front maps it). */
function isBinary(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(8);
    const n = readSync(fd, head, 0, 8, 0);
    const magic = head.subarray(0, n);
    return (
      magic.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46])) ||
      magic.toString('latin1') === '!<arch>\n'
    );
  } finally {
    closeSync(fd);
  }
}

/** Moves paths inside every text file and symlink of `dir`, keeping each file's mtime. */
function moveTreePaths(dir: string, moves: Map<string, string>): void {
  const needles = [...moves.keys()];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, d.name);
    if (d.isDirectory()) moveTreePaths(path, moves);
    else if (d.isSymbolicLink()) {
      const target = readlinkSync(path);
      const moved = movePaths(target, moves);
      if (moved !== target) {
        rmSync(path);
        symlinkSync(moved, path);
      }
    } else if (d.isFile() && !isBinary(path)) {
      const text = readFileSync(path, 'latin1');
      if (!needles.some((n) => text.includes(n))) continue;
      const { atime, mtime } = statSync(path);
      writeFileSync(path, movePaths(text, moves), 'latin1');
      utimesSync(path, atime, mtime);
    }
  }
}

/**
 * Copies the base's build directory to `buildDir` and its source to `snapshot` (mtimes kept), then
 * moves the paths inside to the new places. The caller syncs the new source into `snapshot` next.
 */
export async function seedTree(base: SeedBase, buildDir: string, snapshot: string): Promise<void> {
  for (const dir of [buildDir, snapshot]) rmSync(dir, { recursive: true, force: true });
  for (const dir of [buildDir, snapshot]) mkdirSync(dirname(dir), { recursive: true });
  await run('cp', ['-a', '--', base.buildDir, buildDir]);
  // the base's record came along: until the seed is done this tree must not count as configured
  rmSync(join(buildDir, CONFIGURED_FILE), { force: true });
  await run('cp', ['-a', '--', base.source, snapshot]);
  rmSync(join(snapshot, '.git'), { recursive: true, force: true });
  moveTreePaths(
    buildDir,
    new Map([
      [base.source, snapshot],
      [base.buildDir, buildDir],
    ]),
  );
}
