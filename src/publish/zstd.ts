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

/**
 * The content size a zstd frame header records (RFC 8878 §3.1.1.1), or undefined when the frame does
 * not record it (pure). Read before decompressing, so that a bomb is refused before any allocation.
 */
export function zstdContentSize(data: Buffer): number | undefined {
  if (!isZstd(data) || data.length < 5) return undefined;
  const fhd = data[4];
  const singleSegment = (fhd >> 5) & 1;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fhd >> 6];
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
  if (fcsBytes === 0 || data.length < at + fcsBytes) return undefined;
  if (fcsBytes === 1) return data[at];
  if (fcsBytes === 2) return data.readUInt16LE(at) + 256;
  if (fcsBytes === 4) return data.readUInt32LE(at);
  return Number(data.readBigUInt64LE(at));
}

/**
 * Decompresses one zstd frame that records its content size (as written by zstdCompress). With
 * `maxSize`, a frame that does not record its size or records more is refused before allocating:
 * the output buffer is sized by the header, so decompression can never produce more.
 */
export async function zstdDecompress(data: Buffer, what = 'the archive', maxSize?: number): Promise<Buffer> {
  if (!isZstd(data))
    throw new UserError(
      `${what} is not zstd-compressed (bad magic number)`,
      'check that the pin points at the .tar.zst asset of a pg-bundle release',
    );
  if (maxSize !== undefined) {
    const size = zstdContentSize(data);
    if (size === undefined)
      throw new UserError(
        `${what} does not record its uncompressed size`,
        'use an asset written by pg-bundle publish',
      );
    if (size > maxSize)
      throw new UserError(
        `${what} declares ${size} bytes uncompressed, larger than the ${maxSize} bytes the pin allows`,
        'do not use this bundle: its size does not match the pinned manifest',
      );
  }
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
