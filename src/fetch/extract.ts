/**
 * Unpacking a bundle archive as it is decompressed, entry by entry, checking each entry before it is
 * written: the refusals of a hostile archive (links, paths out of the versions, paths written twice
 * or through a file, files the manifest does not list or lists otherwise) live here.
 */
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, fchmodSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import * as tar from 'tar-stream';
import { FileEntry, Manifest } from '../core/manifest';
import { parseManifest } from '../core/manifest-file';
import { MANIFEST_ASSET } from '../release/naming';
import { errorMessage, UserError } from '../util/errors';
import { shown } from '../util/log-text';
import { checkManifestAgainstPin, MAX_MANIFEST_BYTES, maxArchiveBytes, refuse, VERSION_KEY } from './checks';
import { PlatformPin } from './platform';
import { zstdDecompressStream } from './zstd';

/** Rejects archive paths that are absolute or climb out of the target directory. */
export function safeArchivePath(name: string): string {
  const trimmed = name.replace(/\/+$/, '');
  const norm = normalize(trimmed);
  if (!trimmed || isAbsolute(trimmed) || norm.startsWith('..') || norm.split('/').includes('..')) {
    throw new UserError(
      `the archive contains an unsafe path: ${shown(name)}`,
      'do not unpack this file; it was not written by pg-bundle',
    );
  }
  return norm;
}

/**
 * Limits on an archive path, checked before anything is created for it: far beyond any real bundle
 * (its deepest path has about 10 parts), far below what makes the file system or a recursive walk fail.
 */
const MAX_PATH_DEPTH = 32;
const MAX_PATH_BYTES = 1024;
const MAX_NAME_BYTES = 255;

function refuseLongPath(path: string): void {
  const parts = path.split('/');
  const why =
    parts.length > MAX_PATH_DEPTH
      ? `is ${parts.length} directories deep (at most ${MAX_PATH_DEPTH})`
      : Buffer.byteLength(path) > MAX_PATH_BYTES
        ? `is ${Buffer.byteLength(path)} bytes long (at most ${MAX_PATH_BYTES})`
        : parts.some((p) => Buffer.byteLength(p) > MAX_NAME_BYTES)
          ? `has a name longer than ${MAX_NAME_BYTES} bytes`
          : undefined;
  if (why) throw refuse(`the path ${shown(path, 80)} ${why}`);
}

type Kind = 'file' | 'directory' | 'symlink';
type EntryStream = AsyncIterable<Buffer> & { resume(): void };

/**
 * Unpacks a bundle tar into an empty directory, checking each entry before writing it: manifest.json
 * first (checked against the pin), then only directories and the files the manifest lists, with
 * their size known before reading and their sha256 and mode checked after. No link is ever
 * written or followed, no path is written twice, and nothing is written through a non-directory.
 */
class BundleExtraction {
  private manifest?: Manifest;
  private readonly kinds = new Map<string, Kind>();
  private readonly expected = new Map<string, FileEntry>();

  constructor(
    private readonly root: string,
    private readonly pin: PlatformPin,
  ) {}

  async entry(header: tar.Header, stream: EntryStream): Promise<void> {
    const path = safeArchivePath(header.name);
    refuseLongPath(path);
    if (this.kinds.has(path)) throw refuse(`${shown(path)} appears more than once in the archive`);
    if (!this.manifest) {
      if (path !== MANIFEST_ASSET || header.type !== 'file')
        throw new UserError(
          'the bundle does not start with manifest.json',
          'the asset was not written by pg-bundle publish; check the pin',
        );
      const text = await this.readSmall(stream, header.size ?? 0);
      this.manifest = this.parseManifest(text);
      this.writeFile(path, text, 0o644);
      return;
    }
    const top = path.split('/')[0];
    const key = /^v(.*)$/.exec(top)?.[1];
    if (key === undefined || !VERSION_KEY.test(key) || !this.manifest.versions[key])
      throw refuse(`${shown(path)} is outside the versions the manifest lists`);
    this.checkParents(path);
    if (header.type === 'directory') {
      stream.resume();
      this.makeDirectory(path);
    } else if (header.type === 'file') {
      await this.extractFile(path, header, stream);
    } else if (header.type === 'symlink') {
      throw refuse(
        `${shown(path)} is a symlink (to ${shown(header.linkname ?? '?')}); the manifest lists no links`,
      );
    } else {
      throw refuse(`${shown(path)} has unsupported type ${shown(header.type)}`);
    }
  }

  /** Every proper prefix of `path` is a directory of this archive; missing ones are created. */
  private checkParents(path: string): void {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const kind = this.kinds.get(prefix);
      if (kind && kind !== 'directory')
        throw refuse(`${shown(path)} would be written inside ${shown(prefix)}, a ${kind}`);
      if (!kind) {
        this.makeDirectory(prefix);
      }
    }
  }

  /** A new directory, 0755 whatever the umask (the service may run as another user). */
  private makeDirectory(path: string): void {
    mkdirSync(join(this.root, path));
    chmodSync(join(this.root, path), 0o755);
    this.kinds.set(path, 'directory');
  }

  private async readSmall(stream: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
    if (size > MAX_MANIFEST_BYTES)
      throw refuse(`manifest.json has ${size} bytes, more than ${MAX_MANIFEST_BYTES}`);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c);
    return Buffer.concat(chunks);
  }

  private parseManifest(data: Buffer): Manifest {
    const manifest = parseManifest(data.toString('utf8'), "the bundle's manifest.json");
    checkManifestAgainstPin(manifest, this.pin);
    for (const v of Object.values(manifest.versions))
      for (const f of v.files) {
        if (this.expected.has(f.path)) throw refuse(`the manifest lists ${f.path} more than once`);
        this.expected.set(f.path, f);
      }
    return manifest;
  }

  private async extractFile(path: string, header: tar.Header, stream: AsyncIterable<Buffer>): Promise<void> {
    const want = this.expected.get(path);
    if (!want) throw refuse(`${shown(path)} is in the bundle but not in the manifest`);
    const mode = (header.mode ?? 0) & 0o7777;
    if (header.size !== want.size)
      throw refuse(`${shown(path)} has ${header.size} bytes, the manifest says ${want.size}`);
    if (mode.toString(8).padStart(4, '0') !== want.mode)
      throw refuse(
        `${shown(path)} has mode ${mode.toString(8).padStart(4, '0')}, the manifest says ${want.mode}`,
      );
    const hash = createHash('sha256');
    const fd = this.create(path, mode);
    try {
      for await (const chunk of stream) {
        hash.update(chunk);
        for (let done = 0; done < chunk.length;) done += writeSync(fd, chunk, done);
      }
    } finally {
      closeSync(fd);
    }
    const actual = hash.digest('hex');
    if (actual !== want.sha256)
      throw refuse(`${shown(path)} has sha256 ${actual}, the manifest says ${want.sha256}`);
    this.expected.delete(path);
  }

  private writeFile(path: string, data: Buffer, mode: number): void {
    const fd = this.create(path, mode);
    try {
      for (let done = 0; done < data.length;) done += writeSync(fd, data, done);
    } finally {
      closeSync(fd);
    }
  }

  /** A new file: never through a link, never over an existing path. */
  private create(path: string, mode: number): number {
    this.kinds.set(path, 'file');
    const target = join(this.root, path);
    const fd = openSync(
      target,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
    fchmodSync(fd, mode);
    return fd;
  }

  /** The manifest, once every file it lists was found. */
  finish(): Manifest {
    if (!this.manifest)
      throw new UserError(
        'the bundle has no manifest.json',
        'the asset was not written by pg-bundle publish; check the pin',
      );
    const missing = [...this.expected.keys()];
    if (missing.length)
      throw refuse(
        `${missing.length} file(s) listed in the manifest are missing, e.g. ${shown(missing.slice(0, 3).join(', '))}`,
      );
    for (const key of Object.keys(this.manifest.versions))
      if (this.kinds.get(`v${key}`) !== 'directory')
        throw refuse(`the manifest lists v${key} but the bundle has no v${key}/`);
    return this.manifest;
  }
}

/** Feeds the archive into the tar parser as it comes, waiting when the parser's buffer is full. */
async function feed(
  extract: ReturnType<typeof tar.extract>,
  archive: Buffer | AsyncIterable<Buffer>,
): Promise<void> {
  if (Buffer.isBuffer(archive)) {
    extract.end(archive);
    return;
  }
  try {
    for await (const chunk of archive) {
      if (!extract.write(chunk)) await new Promise<void>((resolve) => extract.once('drain', () => resolve()));
    }
    extract.end(Buffer.alloc(0));
  } catch (err) {
    extract.destroy(err as Error);
  }
}

/**
 * Unpacks the checked archive into `root` (an empty directory) as it is decompressed, entry by
 * entry (the whole archive is never in memory); returns its manifest.
 */
async function extractBundle(
  archive: Buffer | AsyncIterable<Buffer>,
  root: string,
  pin: PlatformPin,
): Promise<Manifest> {
  const extraction = new BundleExtraction(root, pin);
  const extract = tar.extract();
  const fed = feed(extract, archive);
  try {
    for await (const entry of extract) await extraction.entry(entry.header, entry as unknown as EntryStream);
    await fed;
  } catch (err) {
    extract.destroy();
    if (err instanceof UserError) throw err;
    throw new UserError(
      `the bundle is not a valid pg-bundle archive: ${errorMessage(err).split('\n')[0]}`,
      'do not use this bundle; re-publish the release or pin another one',
    );
  }
  return extraction.finish();
}

/**
 * Decompresses the asset (its sha256 checked) and unpacks it into `root`, an empty directory, as
 * extractBundle does; a failure removes `root`.
 */
export async function unpackBundle(asset: Buffer, root: string, pin: PlatformPin): Promise<Manifest> {
  try {
    const archive = zstdDecompressStream(asset, pin.assetUrl, maxArchiveBytes(pin));
    return await extractBundle(archive, root, pin);
  } catch (err) {
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
}
