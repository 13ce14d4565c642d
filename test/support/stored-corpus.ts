/** Choosing and writing the stored corpus (test/fixtures/walredo/make-fixtures.ts; src/walredo/corpus/store.ts reads it). */
import { writeFileSync } from 'node:fs';
import { serializeVectors } from '../../src/walredo/corpus/store';
import { ComparedVector } from '../../src/walredo/corpus/vectors';

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
