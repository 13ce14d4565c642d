/** Hand-made bundle archives, manifests and pins for fetch's security and fuzz tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { Manifest, MANIFEST_SCHEMA_VERSION } from '../../../src/core/manifest';
import { pinFromManifest } from '../../../src/pin/write';
import { sha256 } from '../../../src/util/hash';
import { tempDir, versionManifest } from '../publish/helpers';
import { firstForm, releaseOf } from '../../support/pins';

export interface RawEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export async function tarOf(entries: RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve) => {
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
  });
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const header: Partial<tar.Header> & { name: string } = {
      name: e.name,
      type: e.type,
      ...(e.type === 'symlink' ? { linkname: e.linkname } : {}),
      mode: e.mode ?? (e.type === 'file' ? 0o644 : 0o755),
      size: e.type === 'file' ? data.length : 0,
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (e.type === 'file') pack.entry(header, data, done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  return done;
}

/** A manifest for v15 listing `files` (path → content); extra version keys may be added. */
export function manifestFor(
  files: Record<string, string>,
  extraVersions: Record<string, unknown> = {},
): Manifest {
  const entries = Object.entries(files).map(([path, content]) => ({
    path,
    sha256: sha256(content),
    size: Buffer.byteLength(content),
    mode: '0644',
  }));
  return {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tool: { name: 'pg-bundle', version: '0.1.0' },
    platform: 'linux-x86_64',
    versions: { '15': versionManifest(15, entries), ...extraVersions } as Manifest['versions'],
  };
}

/** Writes the asset and a pin naming it (file://) and `majors` into a fresh directory; returns the pin's path. */
export async function pinFor(
  asset: Buffer,
  manifest: Manifest,
  dir = tempDir('pgb-pin-'),
  majors = ['15'],
): Promise<string> {
  const assetPath = join(dir, 'bundle.tar.zst');
  writeFileSync(assetPath, asset);
  const pin = pinFromManifest(
    { ...manifest, versions: Object.fromEntries(majors.map((m) => [m, manifest.versions[m]])) },
    releaseOf({
      repository: 'o/r',
      tag: 'bundle-1',
      releaseUrl: 'https://github.com/o/r/releases/tag/bundle-1',
      assetName: 'bundle.tar.zst',
      assetUrl: `file://${assetPath}`,
      sha256: sha256(asset),
      platform: manifest.platform,
    }),
  );
  const pinPath = join(dir, 'postgres-bundle.json');
  // the first form: the fetch tests patch its top-level fields (the second form: ../publish/multi-platform.test.ts)
  writeFileSync(pinPath, JSON.stringify(firstForm(pin)));
  return pinPath;
}

export const GOOD_FILES = { 'v15/bin/postgres': 'postgres 15\n', 'v15/share/postgres.bki': 'bki\n' };

export function goodEntries(manifest: Manifest = manifestFor(GOOD_FILES)): RawEntry[] {
  return [
    { name: 'manifest.json', type: 'file', data: JSON.stringify(manifest) },
    { name: 'v15/', type: 'directory' },
    { name: 'v15/bin/', type: 'directory' },
    { name: 'v15/bin/postgres', type: 'file', data: GOOD_FILES['v15/bin/postgres'] },
    { name: 'v15/share/', type: 'directory' },
    { name: 'v15/share/postgres.bki', type: 'file', data: GOOD_FILES['v15/share/postgres.bki'] },
  ];
}

/** A zstd frame of RLE blocks (zeros) that declares `size` bytes: a few KB that decompress to `size`. */
export function zstdBomb(size: number, declareSize = true): Buffer {
  const parts: Buffer[] = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd])];
  if (declareSize) {
    const fcs = Buffer.alloc(8);
    fcs.writeBigUInt64LE(BigInt(size));
    parts.push(Buffer.from([0xe0]), fcs); // FCS 8 bytes, single segment
  } else parts.push(Buffer.from([0x00, 0x58])); // no FCS, window 128 MiB
  const BLOCK = 128 * 1024;
  for (let left = size; left > 0; left -= BLOCK) {
    const n = Math.min(BLOCK, left);
    const header = ((n << 3) | (1 << 1) | (left - n === 0 ? 1 : 0)) >>> 0;
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff, 0]));
  }
  return Buffer.concat(parts);
}
