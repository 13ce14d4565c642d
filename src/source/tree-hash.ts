/**
 * The content of a source directory as one hash: every path under it (version control data left
 * out), its kind, executable bit and bytes. Two trees with the same hash compile to the same bundle,
 * so a directory that is not a clean git checkout is named by it (its revision, hence its compiled
 * tree and its default release tag, change exactly when its content does).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

export function treeContentHash(root: string): string {
  const hash = createHash('sha256');
  const walk = (rel: string) => {
    const names = readdirSync(join(root, rel))
      .filter((n) => n !== '.git')
      .sort();
    for (const name of names) {
      const path = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, path));
      if (st.isDirectory()) {
        hash.update(`d ${path}\0`);
        walk(path);
      } else if (st.isSymbolicLink()) hash.update(`l ${path}\0${readlinkSync(join(root, path))}\0`);
      else if (st.isFile()) {
        hash.update(`f ${path} ${st.mode & 0o111 ? 'x' : '-'} ${st.size}\0`);
        hash.update(readFileSync(join(root, path)));
      }
    }
  };
  walk('');
  return hash.digest('hex');
}
