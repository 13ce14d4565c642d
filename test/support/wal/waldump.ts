/**
 * Parsing `pg_waldump --bkp-details` output and comparing it with what the reader decoded, so the
 * reader is checked against PostgreSQL's own decoder.
 */
import { formatLsn, parseLsn, rmgrName } from '../../../src/walredo/wal/constants';
import { DecodedRecord } from '../../../src/walredo/wal/record';
import { RawWalRecord } from '../../../src/walredo/wal/reader';

/** pg_waldump's names of the forks, by number */
const FORK_NAMES = ['main', 'fsm', 'vm', 'init'] as const;

export interface WaldumpBlock {
  blockId: number;
  rel: string;
  fork: string;
  blkno: number;
  /** "apply", "verify" (FPW for WAL verification) or undefined (no image). */
  image?: 'apply' | 'verify';
  holeOffset?: number;
  holeLength?: number;
}

export interface WaldumpRecord {
  rmgr: string;
  recLen: number;
  totLen: number;
  xid: number;
  lsn: bigint;
  prev: bigint;
  blocks: WaldumpBlock[];
}

const RECORD =
  /^rmgr: (\S+)\s+len \(rec\/tot\):\s*(\d+)\/\s*(\d+), tx:\s*(\d+), lsn: ([0-9A-F]+\/[0-9A-F]+), prev ([0-9A-F]+\/[0-9A-F]+), /;
const BLOCK =
  /^\s*blkref #(\d+): rel (\d+\/\d+\/\d+) fork (\w+) blk (\d+)(?: \(FPW( for WAL verification)?\); hole: offset: (\d+), length: (\d+))?/;

export function parseWaldump(text: string): WaldumpRecord[] {
  const out: WaldumpRecord[] = [];
  for (const line of text.split('\n')) {
    const r = RECORD.exec(line);
    if (r) {
      out.push({
        rmgr: r[1],
        recLen: Number(r[2]),
        totLen: Number(r[3]),
        xid: Number(r[4]),
        lsn: parseLsn(r[5]),
        prev: parseLsn(r[6]),
        blocks: [],
      });
      continue;
    }
    const b = BLOCK.exec(line);
    if (b && out.length > 0) {
      out[out.length - 1].blocks.push({
        blockId: Number(b[1]),
        rel: b[2],
        fork: b[3],
        blkno: Number(b[4]),
        image: b[6] !== undefined ? (b[5] ? 'verify' : 'apply') : undefined,
        holeOffset: b[6] !== undefined ? Number(b[6]) : undefined,
        holeLength: b[7] !== undefined ? Number(b[7]) : undefined,
      });
    }
  }
  return out;
}

/** The reader's view of a record in pg_waldump's terms. */
export function toWaldumpView(raw: RawWalRecord, decoded: DecodedRecord): WaldumpRecord {
  const fpiLen = decoded.blocks.reduce((s, b) => s + (b.image?.bimgLen ?? 0), 0);
  return {
    rmgr: rmgrName(raw.header.rmid),
    recLen: raw.header.totLen - fpiLen,
    totLen: raw.header.totLen,
    xid: raw.header.xid,
    lsn: raw.lsn,
    prev: raw.header.prev,
    blocks: decoded.blocks.map((b) => ({
      blockId: b.blockId,
      rel: `${b.rel.spcOid}/${b.rel.dbOid}/${b.rel.relNumber}`,
      fork: FORK_NAMES[b.fork] ?? String(b.fork),
      blkno: b.blkno,
      image: b.image ? (b.image.apply ? 'apply' : 'verify') : undefined,
      holeOffset: b.image?.holeOffset,
      holeLength: b.image?.holeLength,
    })),
  };
}

export interface WaldumpComparison {
  waldumpRecords: number;
  readerRecords: number;
  agreeing: number;
  blockRefs: number;
  /** The first few disagreements, described. */
  mismatches: string[];
}

function describe(r: WaldumpRecord): string {
  const blocks = r.blocks
    .map(
      (b) =>
        `#${b.blockId} ${b.rel} ${b.fork} ${b.blkno}${b.image ? ` ${b.image} ${b.holeOffset}/${b.holeLength}` : ''}`,
    )
    .join('; ');
  return `${formatLsn(r.lsn)} ${r.rmgr} len ${r.recLen}/${r.totLen} xid ${r.xid} prev ${formatLsn(r.prev)} [${blocks}]`;
}

export function compareWithWaldump(
  expected: WaldumpRecord[],
  actual: WaldumpRecord[],
  maxMismatches = 10,
): WaldumpComparison {
  const mismatches: string[] = [];
  let agreeing = 0;
  let blockRefs = 0;
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    if (!e || !a) {
      if (mismatches.length < maxMismatches) {
        mismatches.push(
          `record ${i}: ${e ? 'only pg_waldump has ' + describe(e) : 'only the reader has ' + describe(a)}`,
        );
      }
      continue;
    }
    const de = describe(e);
    const da = describe(a);
    if (de === da) {
      agreeing++;
      blockRefs += e.blocks.length;
    } else if (mismatches.length < maxMismatches) {
      mismatches.push(`record ${i}:\n  pg_waldump: ${de}\n  reader:     ${da}`);
    }
  }
  return { waldumpRecords: expected.length, readerRecords: actual.length, agreeing, blockRefs, mismatches };
}
