/**
 * zstd compression through @bokuweb/zstd-wasm (WebAssembly build of the reference library; Node 20
 * has no built-in zstd and the action must not need a system binary). Whole buffers, one frame
 * with the content size recorded, which fetch's reader (src/fetch/zstd.ts) checks first.
 */
import { compress, init } from '@bokuweb/zstd-wasm';

/** Level used for release tarballs: good ratio at an acceptable speed for ~100 MB inputs. */
export const BUNDLE_ZSTD_LEVEL = 12;

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
