/**
 * A private copy of a source directory (a fork checkout, `dir:`) that its compiled tree is built
 * from. Kept in step by content, not by time: a file whose bytes did not change keeps its old mtime,
 * a changed one gets a new one, so make (with header dependencies) rebuilds exactly what an edit
 * touches, and a tree seeded from another source's compiled tree (seed-tree.ts) reuses every object
 * the edits do not reach. The user's directory is only read.
 */
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { join } from 'node:path';

/** Not part of the source: version control data. */
const SKIPPED = new Set(['.git']);

export interface TreeEntry {
  kind: 'file' | 'dir' | 'link';
  size: number;
  mode: number;
}

/** Every path under `root` (relative, '/'-separated), .git left out. */
export function listTree(root: string): Map<string, TreeEntry> {
  const entries = new Map<string, TreeEntry>();
  const walk = (rel: string) => {
    for (const d of readdirSync(join(root, rel), { withFileTypes: true })) {
      if (SKIPPED.has(d.name)) continue;
      const path = rel ? `${rel}/${d.name}` : d.name;
      const st = lstatSync(join(root, path));
      const kind = st.isSymbolicLink() ? 'link' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : undefined;
      if (!kind) continue;
      entries.set(path, { kind, size: st.size, mode: st.mode & 0o777 });
      if (kind === 'dir') walk(path);
    }
  };
  walk('');
  return entries;
}

function sameContent(a: string, b: string, ea: TreeEntry, eb: TreeEntry | undefined): boolean {
  if (!eb || ea.kind !== eb.kind) return false;
  if (ea.kind === 'dir') return true;
  if (ea.kind === 'link') return readlinkSync(a) === readlinkSync(b);
  return ea.size === eb.size && ea.mode === eb.mode && readFileSync(a).equals(readFileSync(b));
}

/** The paths whose content (or kind, or mode) differs between two trees, or that only one has. */
export function differingPaths(a: string, b: string): { differing: string[]; total: number } {
  const ta = listTree(a);
  const tb = listTree(b);
  const differing: string[] = [];
  for (const [path, e] of ta)
    if (!sameContent(join(a, path), join(b, path), e, tb.get(path))) differing.push(path);
  for (const path of tb.keys()) if (!ta.has(path)) differing.push(path);
  return { differing, total: ta.size };
}

/**
 * Makes `to` hold exactly the content of `from`: differing files copied (mtime now, or `from`'s
 * with `keepTimes`), paths `from` lacks removed, identical ones left alone (their mtimes kept).
 * Returns the paths written.
 */
export function syncSnapshot(
  from: string,
  to: string,
  keepTimes = false,
): { written: string[]; removed: string[] } {
  mkdirSync(to, { recursive: true });
  const source = listTree(from);
  const target = listTree(to);
  const written: string[] = [];
  const removed = new Set<string>();
  // deepest first, so that a directory is removed after what it holds
  for (const path of [...target.keys()].reverse()) {
    const want = source.get(path);
    if (!want || want.kind !== target.get(path)!.kind) {
      rmSync(join(to, path), { recursive: true, force: true });
      removed.add(path);
    }
  }
  for (const [path, entry] of source) {
    const dest = join(to, path);
    const have = removed.has(path) ? undefined : target.get(path);
    if (sameContent(join(from, path), dest, entry, have)) continue;
    if (entry.kind === 'dir') mkdirSync(dest, { recursive: true });
    else if (entry.kind === 'link') {
      rmSync(dest, { force: true });
      symlinkSync(readlinkSync(join(from, path)), dest);
    } else {
      rmSync(dest, { force: true });
      copyFileSync(join(from, path), dest);
      const st = statSync(join(from, path));
      chmodSync(dest, st.mode & 0o777);
      if (keepTimes) utimesSync(dest, st.atime, st.mtime);
    }
    written.push(path);
  }
  return { written, removed: [...removed] };
}
