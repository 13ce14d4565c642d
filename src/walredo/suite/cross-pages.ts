/**
 * Every page one walredo answered, against another platform's walredo's answer to the same
 * request (pure): the same base page and records must give the same bytes on x86-64 and AArch64.
 * The first run keeps a digest per vector (of the page, and of it under the vector's mask); the
 * second compares. A page that differs only where the rmgr's mask hides (hint bits, unused space)
 * counts as equal after masking, as verify judges pages; anything else differs.
 */
import { createHash } from 'node:crypto';
import { RedoVector } from '../corpus/vectors';
import { maskedCopy } from '../mask/select';

export interface CrossPagesResult {
  /** the other walredo's platform, e.g. 'linux-x86_64' */
  comparedWith: string;
  compared: number;
  identical: number;
  /** equal only after the rmgr's mask */
  equalMasked: number;
  differing: number;
  /** vectors answered by this walredo only (the other failed or was not asked) */
  unmatched: number;
  /** the first differing vectors: id, rmgr, tag key */
  firstDiffering: { vector: number; rmgr: string }[];
  /** vectors the other walredo failed (judged as verify judges them) */
  otherFailed?: number;
}

interface Digest {
  raw: string;
  masked?: string;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function digest(v: RedoVector, page: Uint8Array): Digest {
  if (!v.mask) return { raw: sha(page) };
  try {
    return { raw: sha(page), masked: sha(maskedCopy(v.mask, page, v.tag.blkno)) };
  } catch {
    return { raw: sha(page) }; // a page the mask cannot read: compared byte for byte
  }
}

export class CrossPages {
  private readonly first = new Map<number, Digest>();
  private readonly result: CrossPagesResult;

  constructor(comparedWith: string) {
    this.result = {
      comparedWith,
      compared: 0,
      identical: 0,
      equalMasked: 0,
      differing: 0,
      unmatched: 0,
      firstDiffering: [],
    };
  }

  /** An answer of the first walredo. */
  keep(v: RedoVector, page: Uint8Array): void {
    this.first.set(v.id, digest(v, page));
  }

  /** An answer of the second walredo to the same vector. */
  compare(v: RedoVector, page: Uint8Array): void {
    const a = this.first.get(v.id);
    if (!a) return;
    this.first.delete(v.id);
    const b = digest(v, page);
    const r = this.result;
    r.compared++;
    if (a.raw === b.raw) r.identical++;
    else if (a.masked !== undefined && a.masked === b.masked) r.equalMasked++;
    else {
      r.differing++;
      if (r.firstDiffering.length < 10) r.firstDiffering.push({ vector: v.id, rmgr: v.rmgr });
    }
  }

  done(): CrossPagesResult {
    return { ...this.result, unmatched: this.first.size };
  }
}
