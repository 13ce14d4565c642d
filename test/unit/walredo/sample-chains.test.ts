import { NO_START, sampleVectors } from '../../../src/walredo/corpus/sample-chains';
import {
  emptyVectorStats,
  isCompared,
  RedoVector,
  SERVICE_APPLIED_RMGRS,
  tagKey,
} from '../../../src/walredo/corpus/vectors';
import { pageIsNew, pageLsn } from '../../../src/walredo/mask/page';
import { loadWalDirectory } from '../../../src/walredo/wal/files';
import { RawWalRecord, WalReader } from '../../../src/walredo/wal/reader';
import { decodeRecord, DecodedRecord } from '../../../src/walredo/wal/record';
import { walFixture } from './fixtures';

// the stored workload WAL: the first of initdb's records (the fixture keeps the segment's first
// page of them) and the workload's (wal_consistency_checking = all) from `from`; a sample written
// without consistency images is replayed end to end (test/e2e/neon-mode.test.ts)
const fx = walFixture('wal-v15-workload');
const wal = loadWalDirectory(fx.dir);
const reader = new WalReader(wal);
const initdb = reader.readAll(reader.firstValidPage()).records;
const workload = reader.readAll(fx.from).records;
const all = [...initdb, ...workload];
const decoded = new Map<bigint, DecodedRecord>(all.map((r) => [r.lsn, decodeRecord(r.raw, wal.format)]));

function run(records: RawWalRecord[]) {
  const stats = emptyVectorStats();
  const vectors = [...sampleVectors(records, wal.format, stats)];
  return { stats, vectors };
}

/** Block references walredo would replay: every block of every record the storage service does not apply. */
function replayedRefs(records: RawWalRecord[]): number {
  return records
    .filter((r) => !SERVICE_APPLIED_RMGRS.has(r.header.rmid))
    .reduce((n, r) => n + decoded.get(r.lsn)!.blocks.length, 0);
}

const blockOf = (v: RedoVector, lsn: bigint) =>
  decoded.get(lsn)!.blocks.filter(
    (b) =>
      tagKey({
        spcOid: b.rel.spcOid,
        dbOid: b.rel.dbOid,
        relNumber: b.rel.relNumber,
        fork: b.fork,
        blkno: b.blkno,
      }) === tagKey(v.tag),
  );

describe.each([
  ['the whole sample', all],
  ['a sample that starts in the middle of the workload', all.filter((r) => r.lsn >= fx.from + 200_000n)],
  [
    "initdb's records only (no consistency images, as a production server writes)",
    all.filter((r) => r.lsn < fx.from),
  ],
])('the vectors of %s', (_name, records) => {
  const { stats, vectors } = run(records);

  it('hold every replayed block reference once, or count it as having no start', () => {
    const inVectors = vectors.reduce((n, v) => n + v.records.length, 0);
    expect(inVectors + (stats.skippedBlocks[NO_START] ?? 0)).toBe(replayedRefs(records));
    expect(stats.vectors).toBe(vectors.length);
  });

  it("keep each chain's records in WAL order, each naming the chain's block", () => {
    for (const v of vectors) {
      const lsns = v.records.map((r) => r.lsn);
      expect([...lsns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(lsns);
      for (const lsn of lsns) expect(blockOf(v, lsn).length).toBeGreaterThan(0);
    }
  });

  it('start each chain from a page image, an initialising record, or a known page before its records', () => {
    for (const v of vectors) {
      if (v.base) {
        if (!pageIsNew(v.base)) expect(pageLsn(v.base) <= v.records[0].lsn).toBe(true);
        continue;
      }
      const first = blockOf(v, v.records[0].lsn);
      expect(first.some((b) => b.willInit || b.image?.apply === true)).toBe(true);
    }
  });

  it('compare a chain exactly when its last record carries the page after it', () => {
    for (const v of vectors) {
      const last = blockOf(v, v.records[v.records.length - 1].lsn);
      const checkImage = last.some((b) => b.image !== undefined && !b.image.apply);
      expect(isCompared(v)).toBe(checkImage);
    }
  });
});

describe('a sample with consistency images', () => {
  const { vectors } = run(workload);
  it('is compared wherever a record carries the page after it', () => {
    const compared = vectors.filter(isCompared);
    expect(compared.length).toBeGreaterThan(vectors.length / 2);
    expect(new Set(compared.map((v) => v.mask))).toContain('heap');
  });
});
