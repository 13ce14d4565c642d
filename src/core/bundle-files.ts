import { existsSync, readdirSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { UserError } from '../util/errors';
import { sha256File } from '../util/hash';
import { FileEntry } from './manifest';

/** The PostgreSQL major versions a bundle directory holds (its vNN/ directories), in order; [] when none. */
export function listVersionDirs(root: string): number[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? /^v(\d+)$/.exec(e.name) : null))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/**
 * The permission bits as the manifest records them ("0755"); build normalises modes to 0755 and
 * 0644 first, so the manifest does not depend on the umask, and verify compares them exactly.
 */
export function manifestMode(statMode: number): string {
  return (statMode & 0o7777).toString(8).padStart(4, '0');
}

/** Files and directories under `root/prefix` that group or others may write (a bundle must have none). */
export async function writableByOthers(root: string, prefix: string): Promise<string[]> {
  const found: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const st = await lstat(join(root, rel));
    if (st.isSymbolicLink()) return;
    if (st.mode & 0o022) found.push(`${rel}: writable by group or others (mode ${manifestMode(st.mode)})`);
    if (st.isDirectory())
      for (const name of (await readdir(join(root, rel))).sort()) await visit(posix.join(rel, name));
  };
  await visit(prefix);
  return found;
}

async function walk(root: string, rel: string, out: string[]): Promise<void> {
  const entries = await readdir(join(root, rel), { withFileTypes: true });
  for (const e of entries) {
    const childRel = rel ? posix.join(rel, e.name) : e.name;
    if (e.isDirectory()) await walk(root, childRel, out);
    else if (e.isFile()) out.push(childRel);
    else {
      const kind = e.isSymbolicLink() ? 'a symbolic link' : 'not a regular file';
      throw new UserError(
        `bundle file ${childRel} is ${kind}`,
        'a bundle holds only regular files and directories; copy the target instead of linking it',
      );
    }
  }
}

/**
 * Every regular file under `root/prefix` (or all of `root`), with the path relative to `root`
 * ("v15/bin/postgres"), sha256, size and manifest mode, sorted by path.
 */
export async function listBundleFiles(root: string, prefix?: string): Promise<FileEntry[]> {
  const start = prefix ? prefix.replace(/^\/+|\/+$/g, '') : '';
  try {
    await readdir(join(root, start));
  } catch (err) {
    throw new UserError(
      `cannot read bundle directory ${join(root, start)}: ${(err as Error).message}`,
      'pass the directory that holds vNN/',
    );
  }
  const paths: string[] = [];
  await walk(root, start, paths);
  paths.sort();
  const files: FileEntry[] = [];
  for (const path of paths) {
    const full = join(root, path);
    const st = await lstat(full);
    files.push({ path, sha256: await sha256File(full), size: st.size, mode: manifestMode(st.mode) });
  }
  return files;
}
