/**
 * The suite's protocol, mask and comparison code on the stored corpus (no build needed): every
 * stored vector frames into a valid request, masks cleanly, and the expected page passes the
 * comparison a correct walredo would get, while a damaged one fails with an explained offset.
 */
import {
  loadStoredCorpus,
  parseStoredVectors,
  selectVectors,
  serializeVectors,
  vectorGroup,
} from '../../support/stored-corpus';
import { comparePages } from '../../../src/walredo/mask/compare';
import { maskedCopy } from '../../../src/walredo/mask/select';
import { itemId, maxOffsetNumber, pageIsNew, setPageLsn } from '../../../src/walredo/mask/page';
import { encodeRedoRequest } from '../../../src/walredo/protocol';
import { decodeTag, parseMessages } from '../../support/walredo-protocol';
import { restoreBlockImage } from '../../../src/walredo/wal/image';
import { walFormat } from '../../../src/walredo/wal/constants';
import { decodeRecord, readRecordHeader, recordCrc } from '../../../src/walredo/wal/record';
import { STORED_VECTORS_FILE, storedVectors } from './fixtures';

const vectors = storedVectors();
const v15 = walFormat(15);

describe('stored corpus', () => {
  it('has 50-200 vectors over at least 8 resource managers', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(50);
    expect(vectors.length).toBeLessThanOrEqual(200);
    expect(new Set(vectors.map((v) => v.rmgr)).size).toBeGreaterThanOrEqual(8);
  });

  it('loads as a corpus with per-rmgr counts', () => {
    const c = loadStoredCorpus(STORED_VECTORS_FILE);
    expect(c.format.major).toBe(15);
    expect(c.stats.vectors).toBe(vectors.length);
    expect([...c.vectors()]).toHaveLength(vectors.length);
  });

  it('round-trips through serialisation', () => {
    const back = parseStoredVectors(serializeVectors(vectors.slice(0, 5), { major: 15, source: 'test' }));
    expect(back.vectors).toEqual(vectors.slice(0, 5));
  });

  it('selectVectors caps each rmgr/record type/kind/mask group', () => {
    const picked = selectVectors(vectors, 1, 1);
    const groups = new Map<string, number>();
    for (const v of picked) groups.set(vectorGroup(v), (groups.get(vectorGroup(v)) ?? 0) + 1);
    expect(Math.max(...groups.values())).toBe(1);
    expect(groups.size).toBe(new Set(vectors.map(vectorGroup)).size);
  });
});

describe.each(vectors.map((v) => [`${v.id} ${v.rmgr} ${v.kind}`, v] as const))(
  'stored vector %s',
  (_name, v) => {
    const last = v.records[v.records.length - 1];
    it('frames into B, P (unless it starts the page), A per record with a valid CRC, G', () => {
      const { messages, rest } = parseMessages(encodeRedoRequest(v));
      expect(rest).toHaveLength(0);
      expect(messages.map((m) => m.type).join('')).toBe(
        `B${v.base ? 'P' : ''}${'A'.repeat(v.records.length)}G`,
      );
      expect(decodeTag(messages[0].payload)).toEqual(v.tag);
      messages
        .filter((m) => m.type === 'A')
        .forEach((a, i) => {
          expect(a.length).toBe(12 + v.records[i].raw.length);
          const raw = a.payload.subarray(8);
          expect(readRecordHeader(raw).crc).toBe(recordCrc(raw));
          expect(a.payload.readBigUInt64BE(0)).toBe(v.records[i].endLsn);
        });
    });

    it('the record references the target block with an after-image', () => {
      const d = decodeRecord(v.records[v.records.length - 1].raw, v15);
      const b = d.blocks.find(
        (x) => x.fork === v.tag.fork && x.blkno === v.tag.blkno && x.rel.relNumber === v.tag.relNumber,
      )!;
      expect(b).toBeDefined();
      expect(Buffer.compare(Buffer.from(restoreBlockImage(b.image!)), Buffer.from(v.expected))).toBe(0);
    });

    it('the expected page, as a correct walredo would return it, passes the comparison', () => {
      const result = Uint8Array.from(v.expected);
      if (!pageIsNew(result)) setPageLsn(result, last.endLsn);
      expect(comparePages(v.expected, result, v.mask, v.tag.blkno, last.endLsn).problems).toEqual([]);
    });

    it('a page with a damaged item or an unchanged base page fails', () => {
      const result = Uint8Array.from(v.expected);
      if (!pageIsNew(result)) setPageLsn(result, last.endLsn);
      const items = maxOffsetNumber(result);
      if (items > 0 && itemId(result, items).len > 0 && v.mask !== 'lsn-only') {
        const iid = itemId(result, items);
        result[iid.off + iid.len - 1] ^= 0x80;
        const cmp = comparePages(v.expected, result, v.mask, v.tag.blkno, last.endLsn);
        if (!cmp.ok) expect(cmp.diff?.region).toMatch(/tuple|line pointer|free space|special/);
      }
      if (v.base) {
        const masked = Buffer.from(maskedCopy(v.mask, v.expected, v.tag.blkno));
        const baseMasked = Buffer.from(maskedCopy(v.mask, v.base, v.tag.blkno));
        if (Buffer.compare(masked, baseMasked) !== 0) {
          expect(comparePages(v.expected, v.base, v.mask, v.tag.blkno, last.endLsn).ok).toBe(false);
        }
      }
    });
  },
);
