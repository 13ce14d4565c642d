/**
 * A stored corpus: selected vectors as gzip-compressed JSON lines (pages and records in base64),
 * so mask, comparison and protocol code can be tested without a build. Chosen and written by
 * test/fixtures/walredo/make-fixtures.ts; the walredo stage takes one loaded here as its corpus.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Corpus } from '../../src/walredo/corpus/corpus';
import { ComparedVector, emptyVectorStats, VectorKind } from '../../src/walredo/corpus/vectors';
import { MaskKind } from '../../src/walredo/mask/select';
import { walFormat } from '../../src/walredo/wal/constants';

/** The group of a vector for selection: rmgr, record type (xl_info high bits), block id, kind and mask. */
export function vectorGroup(v: ComparedVector): string {
  return `${v.rmgr}/${(v.records[0].raw[16] & 0xf0).toString(16)}/${v.blockId}/${v.kind}/${v.mask}`;
}

/** Picks up to `perGroup` vectors of each group (vectorGroup), every `every`-th of the group. */
export function selectVectors(all: Iterable<ComparedVector>, perGroup: number, every = 7): ComparedVector[] {
  const seen = new Map<string, number>();
  const taken = new Map<string, number>();
  const out: ComparedVector[] = [];
  for (const v of all) {
    const g = vectorGroup(v);
    const n = seen.get(g) ?? 0;
    seen.set(g, n + 1);
    if ((taken.get(g) ?? 0) < perGroup && n % every === 0) {
      out.push(v);
      taken.set(g, (taken.get(g) ?? 0) + 1);
    }
  }
  return out;
}

/** Writes the stored corpus file. */
export function writeStoredCorpus(
  file: string,
  vectors: ComparedVector[],
  major: number,
  source: string,
): void {
  writeFileSync(file, serializeVectors(vectors, { major, source }));
}

interface StoredVector {
  id: number;
  rmgr: string;
  kind: VectorKind;
  tag: ComparedVector['tag'];
  blockId: number;
  mask: MaskKind;
  base?: string;
  expected: string;
  records: { lsn: string; endLsn: string; raw: string }[];
  lsnAlternatives?: string[];
}

const b64 = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

export function serializeVectors(
  vectors: Iterable<ComparedVector>,
  header: { major: number; source: string },
): Buffer {
  const lines = [JSON.stringify({ corpus: 'pg-bundle walredo vectors', version: 1, ...header })];
  for (const v of vectors) {
    const s: StoredVector = {
      id: v.id,
      rmgr: v.rmgr,
      kind: v.kind,
      tag: v.tag,
      blockId: v.blockId,
      mask: v.mask,
      base: v.base ? b64(v.base) : undefined,
      expected: b64(v.expected),
      records: v.records.map((r) => ({
        lsn: r.lsn.toString(),
        endLsn: r.endLsn.toString(),
        raw: b64(r.raw),
      })),
      lsnAlternatives: v.lsnAlternatives?.map(String),
    };
    lines.push(JSON.stringify(s));
  }
  return gzipSync(lines.join('\n') + '\n', { level: 9 });
}

export function parseStoredVectors(data: Buffer): {
  major: number;
  source: string;
  vectors: ComparedVector[];
} {
  const lines = gunzipSync(data).toString('utf8').split('\n').filter(Boolean);
  const header = JSON.parse(lines[0]) as { corpus?: string; major: number; source: string };
  if (header.corpus !== 'pg-bundle walredo vectors') {
    throw new Error('not a stored walredo corpus: give a file written by serializeVectors (*.jsonl.gz)');
  }
  const vectors = lines.slice(1).map((line) => {
    const s = JSON.parse(line) as StoredVector;
    return {
      id: s.id,
      rmgr: s.rmgr,
      kind: s.kind,
      tag: s.tag,
      blockId: s.blockId,
      mask: s.mask,
      base: s.base ? unb64(s.base) : undefined,
      expected: unb64(s.expected),
      records: s.records.map((r) => ({ lsn: BigInt(r.lsn), endLsn: BigInt(r.endLsn), raw: unb64(r.raw) })),
      ...(s.lsnAlternatives ? { lsnAlternatives: s.lsnAlternatives.map((x) => BigInt(x)) } : {}),
    };
  });
  return { major: header.major, source: header.source, vectors };
}

/** A corpus backed by a stored vector file. */
export function loadStoredCorpus(file: string): Corpus {
  const { major, source, vectors } = parseStoredVectors(readFileSync(file));
  const stats = emptyVectorStats();
  for (const v of vectors) {
    stats.vectors++;
    stats.byRmgr[v.rmgr] = (stats.byRmgr[v.rmgr] ?? 0) + 1;
  }
  return {
    source: `stored corpus ${file} (${source})`,
    format: walFormat(major),
    stats,
    vectors: () => vectors,
    walStop: () => 'stored corpus',
    dispose: () => undefined,
  };
}
