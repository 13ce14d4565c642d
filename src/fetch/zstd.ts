/**
 * Reading a zstd asset (fzstd, streaming): the frame's declared size is checked before any
 * allocation and the output is bounded as it is produced, so a decompression bomb is stopped early.
 * publish writes the frames (src/publish/zstd.ts).
 */
import { Decompress } from 'fzstd';
import { UserError } from '../util/errors';

const ZSTD_MAGIC = 0xfd2fb528;

function isZstd(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === ZSTD_MAGIC;
}

/**
 * The content size a zstd frame header records (RFC 8878 §3.1.1.1), or undefined when the frame does
 * not record it (pure). Read before decompressing, so that a bomb is refused before any allocation.
 */
function zstdContentSize(data: Buffer): number | undefined {
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

/** Compressed bytes handed to the streaming decompressor at a time. */
const STREAM_INPUT_CHUNK = 1024 * 1024;

/**
 * Decompresses a zstd asset as a stream of chunks (fzstd), never holding the whole output: the
 * frame's declared size is checked first, and the stream stops with an error as soon as the output
 * exceeds `maxSize` (a frame may lie about its size, or not declare one).
 */
export async function* zstdDecompressStream(
  data: Buffer,
  what: string,
  maxSize: number,
): AsyncGenerator<Buffer> {
  if (!isZstd(data))
    throw new UserError(
      `${what} is not zstd-compressed (bad magic number)`,
      'check that the pin points at the .tar.zst asset of a pg-bundle release',
    );
  const declared = zstdContentSize(data);
  if (declared !== undefined && declared > maxSize)
    throw tooLarge(what, `declares ${declared} bytes`, maxSize);
  let produced = 0;
  let ready: Buffer[] = [];
  const decoder = new Decompress((chunk) => {
    produced += chunk.length;
    if (produced > maxSize) throw tooLarge(what, `decompresses to more than ${maxSize} bytes`, maxSize);
    ready.push(Buffer.from(chunk));
  });
  for (let at = 0; at < data.length; at += STREAM_INPUT_CHUNK) {
    const end = Math.min(at + STREAM_INPUT_CHUNK, data.length);
    try {
      decoder.push(data.subarray(at, end), end === data.length);
    } catch (err) {
      if (err instanceof UserError) throw err;
      throw new UserError(
        `cannot decompress ${what}: ${(err as Error).message}`,
        'the file is damaged or was not written by pg-bundle publish',
      );
    }
    for (const chunk of ready) yield chunk;
    ready = [];
  }
}

function tooLarge(what: string, how: string, maxSize: number): UserError {
  return new UserError(
    `${what} ${how} uncompressed, larger than the ${maxSize} bytes the pin allows`,
    'do not use this bundle: its size does not match the pinned manifest',
  );
}
