/**
 * The request files the native harness replays (pure): the protocol's bytes, one request after
 * another, each ending with G (or H for pings). Classes follow the storage fork's benchmark: a
 * ping, a short request (one record onto a pushed page) and a medium one (a chain of records).
 */
import { RedoVector } from '../src/walredo/corpus/vectors';
import { encodeRedoRequest, ping } from '../src/walredo/protocol';

export type RequestClass = 'ping' | 'short' | 'medium';
export const REQUEST_CLASSES: RequestClass[] = ['ping', 'short', 'medium'];

/** Which class a corpus vector belongs to, or undefined when it is neither short nor medium. */
export function requestClass(v: Pick<RedoVector, 'base' | 'records'>): RequestClass | undefined {
  if (v.base && v.records.length === 1) return 'short';
  if (v.records.length >= 2) return 'medium';
  return undefined;
}

/** At most `limit` items spread evenly over the list (first, every k-th), in order. */
export function spread<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  const step = items.length / limit;
  return Array.from({ length: limit }, (_, i) => items[Math.floor(i * step)]);
}

export interface RequestFile {
  cls: RequestClass;
  /** requests in the file */
  requests: number;
  /** records per request, on average (0 for pings) */
  recordsPerRequest: number;
  bytes: Buffer;
}

/** One file per class: up to `limit` vectors of the class, encoded; a single ping for 'ping'. */
export function encodeRequestFiles(vectors: readonly RedoVector[], limit: number): RequestFile[] {
  const files: RequestFile[] = [{ cls: 'ping', requests: 1, recordsPerRequest: 0, bytes: ping() }];
  for (const cls of ['short', 'medium'] as const) {
    const chosen = spread(
      vectors.filter((v) => requestClass(v) === cls),
      limit,
    );
    if (!chosen.length) continue;
    const records = chosen.reduce((n, v) => n + v.records.length, 0);
    files.push({
      cls,
      requests: chosen.length,
      recordsPerRequest: records / chosen.length,
      bytes: Buffer.concat(chosen.map((v) => encodeRedoRequest(v))),
    });
  }
  return files;
}

/** Bytes of the first request of a request file: up to and including its first G or H. */
export function firstRequestLength(bytes: Buffer): number {
  for (let p = 0; p + 5 <= bytes.length;) {
    const type = String.fromCharCode(bytes[p]);
    p += 1 + bytes.readUInt32BE(p + 1);
    if (type === 'G' || type === 'H') return p;
  }
  throw new Error('no whole request in the request file');
}
