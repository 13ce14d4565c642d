/**
 * zstd compression through @bokuweb/zstd-wasm (WebAssembly build of the reference library; Node 20
 * has no built-in zstd and the action must not need a system binary). Whole buffers, one frame
 * with the content size recorded, which is what `decompress` needs to size its output.
 */
import { compress, decompress, init } from '@bokuweb/zstd-wasm';
import { UserError } from '../util/errors';

/** Level used for release tarballs: good ratio at an acceptable speed for ~100 MB inputs. */
export const BUNDLE_ZSTD_LEVEL = 12;
const ZSTD_MAGIC = 0xfd2fb528;

let ready: Promise<void> | undefined;
async function ensureInitialised(): Promise<void> {
  ready ??= init();
  await ready;
}

export async function zstdCompress(data: Buffer, level = BUNDLE_ZSTD_LEVEL): Promise<Buffer> {
  await ensureInitialised();
  const out = compress(data, level);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

export function isZstd(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === ZSTD_MAGIC;
}

/** Decompresses one zstd frame that records its content size (as written by zstdCompress). */
export async function zstdDecompress(data: Buffer, what = 'the archive'): Promise<Buffer> {
  if (!isZstd(data))
    throw new UserError(
      `${what} is not zstd-compressed (bad magic number)`,
      'check that the pin points at the .tar.zst asset of a pg-bundle release',
    );
  await ensureInitialised();
  try {
    const out = decompress(data, { defaultHeapSize: 0 });
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new UserError(
      `cannot decompress ${what}: ${(err as Error).message}`,
      'the file is damaged or was not written by pg-bundle publish (which records the content size in the zstd frame)',
    );
  }
}
