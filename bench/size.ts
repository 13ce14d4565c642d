/** Bundle size: bytes on disk (regular files; links count as links) and as a zstd-compressed deterministic tar. */
import { lstatSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { listTree, packDeterministicTar } from '../src/publish/tarball';
import { BUNDLE_ZSTD_LEVEL, zstdCompress } from '../src/publish/zstd';

export interface SizeResult {
  files: number;
  bytes: number;
  tarBytes: number;
  zstdBytes: number;
  zstdLevel: number;
}

export function treeBytes(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else {
        files++;
        bytes += st.isFile() ? st.size : 0;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** Sizes of `dir` (e.g. <out>/v15 or a package's native/), packed the way publish packs a bundle. */
export async function bundleSize(dir: string): Promise<SizeResult> {
  const { files, bytes } = treeBytes(dir);
  const packed = await packDeterministicTar(listTree(dir, basename(dir)));
  const z = await zstdCompress(packed.tar, BUNDLE_ZSTD_LEVEL);
  return { files, bytes, tarBytes: packed.tar.length, zstdBytes: z.length, zstdLevel: BUNDLE_ZSTD_LEVEL };
}
