/**
 * The bundle tarball: a deterministic tar of `manifest.json` and the `vNN/` directories, so that
 * the same bundle always gives the same bytes (and the same sha256):
 * entries sorted by path (byte order), mtime = SOURCE_DATE_EPOCH or 0, uid/gid 0, no user or
 * group names, modes normalised (directories and executables 0755, other files 0644, symlinks 0777).
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { isAbsolute, join, posix } from 'node:path';
import * as tar from 'tar-stream';
import { FileEntry } from '../core/manifest';
import { UserError } from '../util/errors';
import { sha256 } from '../util/hash';

export interface TarInputFile {
  /** Path inside the archive, e.g. "v15/bin/postgres" */
  path: string;
  type: 'file' | 'directory' | 'symlink';
  /** Absolute path on disk (files) */
  source?: string;
  /** In-memory content (files), instead of source */
  content?: Buffer;
  executable?: boolean;
  linkname?: string;
}

/** Fixed mtime from SOURCE_DATE_EPOCH (reproducible-builds.org convention), else the epoch. */
export function archiveMtime(env: NodeJS.ProcessEnv = process.env): Date {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return new Date(0);
  if (!/^\d+$/.test(raw))
    throw new UserError(
      `SOURCE_DATE_EPOCH=${raw} is not a number of seconds`,
      'unset it or set it to an integer such as the source commit time',
    );
  return new Date(Number(raw) * 1000);
}

export function normalisedMode(entry: Pick<TarInputFile, 'type' | 'executable'>): number {
  if (entry.type === 'directory') return 0o755;
  if (entry.type === 'symlink') return 0o777;
  return entry.executable ? 0o755 : 0o644;
}

/** Byte-order comparison (not locale-dependent), so every machine sorts alike. */
export function compareArchivePaths(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/**
 * Lists a directory tree as archive entries under `prefix` (e.g. "v15"), including `prefix`
 * itself. Symlinks are kept as links but must stay inside the tree.
 */
export function listTree(root: string, prefix: string): TarInputFile[] {
  const entries: TarInputFile[] = [{ path: prefix, type: 'directory' }];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir).sort(compareArchivePaths)) {
      const abs = join(dir, name);
      const path = `${rel}/${name}`;
      const st = lstatSync(abs);
      if (st.isDirectory()) {
        entries.push({ path, type: 'directory' });
        walk(abs, path);
      } else if (st.isSymbolicLink()) {
        const linkname = readlinkSync(abs);
        const resolved = posix.normalize(posix.join(posix.dirname(path), linkname));
        if (isAbsolute(linkname) || !(resolved === prefix || resolved.startsWith(`${prefix}/`))) {
          throw new UserError(
            `${abs} is a symlink to ${linkname}, outside ${prefix}/`,
            'a bundle must be self-contained: replace the link with the file it points to',
          );
        }
        entries.push({ path, type: 'symlink', linkname });
      } else if (st.isFile()) {
        entries.push({ path, type: 'file', source: abs, executable: (st.mode & 0o111) !== 0 });
      } else {
        throw new UserError(
          `${abs} is neither a file, a directory nor a symlink`,
          'remove it from the bundle directory',
        );
      }
    }
  };
  walk(root, prefix);
  return entries;
}

export interface PackedTar {
  tar: Buffer;
  /** Files packed (regular files only), in manifest form */
  files: FileEntry[];
}

/** Packs entries into a deterministic tar (in memory). */
export async function packDeterministicTar(
  entries: TarInputFile[],
  mtime: Date = archiveMtime(),
): Promise<PackedTar> {
  const sorted = [...entries].sort((a, b) => compareArchivePaths(a.path, b.path));
  const seen = new Set<string>();
  for (const e of sorted) {
    if (seen.has(e.path)) throw new Error(`duplicate archive path ${e.path}`);
    seen.add(e.path);
  }
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  const files: FileEntry[] = [];
  for (const e of sorted) {
    const base = { mode: normalisedMode(e), mtime, uid: 0, gid: 0, uname: '', gname: '' };
    if (e.type === 'directory') {
      await addEntry(pack, { ...base, name: `${e.path}/`, type: 'directory' });
    } else if (e.type === 'symlink') {
      await addEntry(pack, { ...base, name: e.path, type: 'symlink', linkname: e.linkname ?? '' });
    } else {
      const data = e.content ?? readFileSync(e.source as string);
      files.push({
        path: e.path,
        sha256: sha256(data),
        size: data.length,
        mode: e.executable ? '0755' : '0644',
      });
      await addEntry(pack, { ...base, name: e.path, type: 'file', size: data.length }, data);
    }
  }
  pack.finalize();
  return { tar: await done, files };
}

function addEntry(
  pack: tar.Pack,
  header: Partial<tar.Header> & { name: string },
  data?: Buffer,
): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry(header, data ?? Buffer.alloc(0), (err?: Error | null) => (err ? reject(err) : resolve()));
  });
}
