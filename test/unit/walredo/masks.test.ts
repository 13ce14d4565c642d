import { maskedCopy, maskKindFor, MaskKind } from '../../../src/walredo/mask/select';
import {
  itemId,
  LP,
  MaskError,
  maskUnusedSpace,
  maxOffsetNumber,
  pageIsNew,
  pageLsn,
  PAGE_HEADER,
  PD,
  pdLower,
  pdSpecial,
  pdUpper,
  setItemIdFlags,
  setPageLsn,
  setU16,
  setU32,
  u16,
} from '../../../src/walredo/mask/page';
import {
  HEAP_XMAX_INVALID,
  HEAP_XMIN_COMMITTED,
  HEAP_XMIN_FROZEN,
  HTUP,
  heapMask,
} from '../../../src/walredo/mask/heap';
import {
  BTP_HAS_GARBAGE,
  BRIN_EVACUATE_PAGE,
  F_FOLLOW_RIGHT,
  F_HAS_GARBAGE,
  LH,
} from '../../../src/walredo/mask/index-am';
import { RM } from '../../../src/walredo/wal/constants';
import { storedVectors } from './fixtures';

type Mutation = [string, (p: Uint8Array) => void];

function realPage(kind: MaskKind, accept: (p: Uint8Array) => boolean = () => true): Uint8Array {
  const v = storedVectors().find((s) => s.mask === kind && !pageIsNew(s.expected) && accept(s.expected));
  if (!v) throw new Error(`the stored corpus has no ${kind} page`);
  return Uint8Array.from(v.expected);
}

function firstItem(p: Uint8Array, flags: number = LP.NORMAL): number {
  for (let n = 1; n <= maxOffsetNumber(p); n++)
    if (itemId(p, n).flags === flags && itemId(p, n).len > 0) return n;
  throw new Error('no such line pointer');
}
const hasFreeSpace = (p: Uint8Array) => pdUpper(p) > pdLower(p) + 8;
const hasNormalItem = (p: Uint8Array) => {
  for (let n = 1; n <= maxOffsetNumber(p); n++)
    if (itemId(p, n).flags === LP.NORMAL && itemId(p, n).len > 0) return true;
  return false;
};

const common: Mutation[] = [
  ['pd_lsn', (p) => setPageLsn(p, pageLsn(p) + 4096n)],
  ['pd_checksum', (p) => setU16(p, PAGE_HEADER.checksum, 0xbeef)],
];
const unusedSpace: Mutation = [
  'free space between pd_lower and pd_upper',
  (p) => (p[pdLower(p) + 3] ^= 0x5a),
];
const hints: Mutation[] = [
  ['pd_prune_xid', (p) => setU32(p, PAGE_HEADER.pruneXid, 12345)],
  [
    'PD_ALL_VISIBLE / PD_PAGE_FULL',
    (p) => setU16(p, PAGE_HEADER.flags, u16(p, PAGE_HEADER.flags) ^ (PD.ALL_VISIBLE | PD.PAGE_FULL)),
  ],
];
const tupleByte: Mutation = [
  'a byte of a tuple',
  (p) => (p[itemId(p, firstItem(p)).off + itemId(p, firstItem(p)).len - 1] ^= 0x01),
];
const special =
  (off: number, xor: number): ((p: Uint8Array) => void) =>
  (p) =>
    setU16(p, pdSpecial(p) + off, u16(p, pdSpecial(p) + off) ^ xor);

const CASES: { kind: MaskKind; accept?: (p: Uint8Array) => boolean; masked: Mutation[]; kept: Mutation[] }[] =
  [
    {
      kind: 'heap',
      accept: (p) => hasFreeSpace(p) && hasNormalItem(p),
      masked: [
        ...common,
        ...hints,
        unusedSpace,
        [
          'the xmax-invalid hint bit',
          (p) =>
            setU16(
              p,
              itemId(p, firstItem(p)).off + HTUP.infomask,
              u16(p, itemId(p, firstItem(p)).off + HTUP.infomask) ^ HEAP_XMAX_INVALID,
            ),
        ],
        ['t_cid', (p) => setU32(p, itemId(p, firstItem(p)).off + HTUP.cid, 77)],
      ],
      kept: [
        tupleByte,
        ['xmin', (p) => setU32(p, itemId(p, firstItem(p)).off + HTUP.xmin, 999999)],
        ['a line pointer', (p) => setItemIdFlags(p, firstItem(p), LP.DEAD)],
      ],
    },
    {
      kind: 'btree',
      accept: (p) => hasFreeSpace(p) && (u16(p, pdSpecial(p) + 12) & 1) === 1 && hasNormalItem(p),
      masked: [
        ...common,
        ...hints,
        unusedSpace,
        ['LP_DEAD on a leaf item', (p) => setItemIdFlags(p, firstItem(p), LP.DEAD)],
        ['BTP_HAS_GARBAGE', special(12, BTP_HAS_GARBAGE)],
        ['btpo_cycleid', special(14, 0x33)],
      ],
      kept: [tupleByte, ['btpo_next', (p) => setU32(p, pdSpecial(p) + 4, 4242)]],
    },
    {
      kind: 'hash',
      accept: (p) =>
        hasFreeSpace(p) && (u16(p, pdSpecial(p) + 12) & 0x0f) === LH.BUCKET_PAGE && hasNormalItem(p),
      masked: [
        ...common,
        ...hints,
        unusedSpace,
        ['LP flags on a bucket page', (p) => setItemIdFlags(p, firstItem(p), LP.DEAD)],
        ['LH_PAGE_HAS_DEAD_TUPLES', special(12, LH.PAGE_HAS_DEAD_TUPLES)],
      ],
      kept: [tupleByte, ['hasho_bucket', (p) => setU32(p, pdSpecial(p) + 8, 4242)]],
    },
    {
      kind: 'gin',
      accept: (p) => hasFreeSpace(p) && pdLower(p) > 24,
      masked: [...common, ...hints, unusedSpace],
      kept: [['rightlink', (p) => setU32(p, pdSpecial(p), 4242)]],
    },
    {
      kind: 'gist',
      accept: (p) => hasFreeSpace(p) && (u16(p, pdSpecial(p) + 12) & 1) === 1 && hasNormalItem(p),
      masked: [
        ...common,
        ...hints,
        unusedSpace,
        ['NSN', (p) => setU32(p, pdSpecial(p) + 4, 0x1234)],
        ['F_FOLLOW_RIGHT', special(12, F_FOLLOW_RIGHT)],
        ['F_HAS_GARBAGE', special(12, F_HAS_GARBAGE)],
        ['LP flags on a leaf', (p) => setItemIdFlags(p, firstItem(p), LP.DEAD)],
      ],
      kept: [tupleByte, ['rightlink', (p) => setU32(p, pdSpecial(p) + 8, 4242)]],
    },
    {
      kind: 'spgist',
      accept: hasFreeSpace,
      masked: [...common, ...hints, unusedSpace],
      kept: [['special space', special(0, 0x0101)]],
    },
    {
      kind: 'brin',
      accept: (p) => hasFreeSpace(p) && u16(p, pdSpecial(p) + 6) === 0xf093 && hasNormalItem(p),
      masked: [...common, ...hints, unusedSpace, ['BRIN_EVACUATE_PAGE', special(4, BRIN_EVACUATE_PAGE)]],
      kept: [tupleByte, ['page type', special(6, 0x0001)]],
    },
    {
      kind: 'sequence',
      accept: hasFreeSpace,
      masked: [...common, unusedSpace],
      kept: [
        tupleByte,
        ['pd_prune_xid (not a hint for sequences)', (p) => setU32(p, PAGE_HEADER.pruneXid, 12345)],
      ],
    },
    {
      kind: 'lsn-only',
      masked: common,
      kept: [
        ['any content byte', (p) => (p[5000] ^= 1)],
        ['pd_flags', (p) => setU16(p, PAGE_HEADER.flags, u16(p, PAGE_HEADER.flags) ^ PD.ALL_VISIBLE)],
      ],
    },
  ];

describe.each(CASES)('$kind mask on a real page from the stored corpus', ({ kind, accept, masked, kept }) => {
  const page = realPage(kind, accept);
  const blkno = 3;

  it('is idempotent and leaves the original untouched', () => {
    const before = Uint8Array.from(page);
    const once = maskedCopy(kind, page, blkno);
    expect(Buffer.compare(Buffer.from(maskedCopy(kind, once, blkno)), Buffer.from(once))).toBe(0);
    expect(Buffer.compare(Buffer.from(page), Buffer.from(before))).toBe(0);
  });

  it.each(masked)('ignores a change of %s', (_name, mutate) => {
    const changed = Uint8Array.from(page);
    mutate(changed);
    expect(Buffer.compare(Buffer.from(changed), Buffer.from(page))).not.toBe(0);
    expect(
      Buffer.compare(
        Buffer.from(maskedCopy(kind, changed, blkno)),
        Buffer.from(maskedCopy(kind, page, blkno)),
      ),
    ).toBe(0);
  });

  it.each(kept)('sees a change of %s', (_name, mutate) => {
    const changed = Uint8Array.from(page);
    mutate(changed);
    expect(
      Buffer.compare(
        Buffer.from(maskedCopy(kind, changed, blkno)),
        Buffer.from(maskedCopy(kind, page, blkno)),
      ),
    ).not.toBe(0);
  });
});

describe('heap mask and frozen tuples', () => {
  const page = realPage('heap', hasNormalItem);
  const at = itemId(page, firstItem(page)).off + HTUP.infomask;
  const withInfomask = (bits: number) => {
    const p = Uint8Array.from(page);
    setU16(p, at, (u16(p, at) & ~HEAP_XMIN_FROZEN) | bits);
    heapMask(p, 0);
    return u16(p, at);
  };
  it('masks all visibility bits of an unfrozen tuple', () => {
    expect(withInfomask(HEAP_XMIN_COMMITTED) & 0xfff0).toBe(0);
  });
  it('keeps the xmin bits of a frozen tuple', () => {
    expect(withInfomask(HEAP_XMIN_FROZEN) & HEAP_XMIN_FROZEN).toBe(HEAP_XMIN_FROZEN);
  });
});

describe('generic mask (generic WAL) on a standard page', () => {
  const page = new Uint8Array(8192);
  setU16(page, PAGE_HEADER.lower, 32);
  setU16(page, PAGE_HEADER.upper, 8000);
  setU16(page, PAGE_HEADER.special, 8192);
  page.fill(9, 8000);
  it('masks LSN, checksum and free space but not content or hints', () => {
    const changed = Uint8Array.from(page);
    setPageLsn(changed, 0x1234n);
    changed[4000] = 1;
    expect(
      Buffer.compare(
        Buffer.from(maskedCopy('generic', changed, 0)),
        Buffer.from(maskedCopy('generic', page, 0)),
      ),
    ).toBe(0);
    changed[8100] = 1;
    expect(
      Buffer.compare(
        Buffer.from(maskedCopy('generic', changed, 0)),
        Buffer.from(maskedCopy('generic', page, 0)),
      ),
    ).not.toBe(0);
  });
});

describe('mask selection and page sanity', () => {
  it.each([
    [RM.HEAP, 0, 'heap'],
    [RM.HEAP2, 2, 'lsn-only'],
    [RM.BTREE, 0, 'btree'],
    [RM.SEQ, 0, 'sequence'],
    [RM.GENERIC, 0, 'generic'],
    [RM.XLOG, 0, undefined],
    [RM.XACT, 0, undefined],
  ])('rmgr %i fork %i gets %s', (rmid, fork, kind) => {
    expect(maskKindFor(rmid, fork)).toBe(kind);
  });

  it('mask_unused_space rejects an insane header as PostgreSQL does', () => {
    const p = new Uint8Array(8192);
    setU16(p, PAGE_HEADER.lower, 100);
    setU16(p, PAGE_HEADER.upper, 50);
    setU16(p, PAGE_HEADER.special, 8192);
    expect(() => maskUnusedSpace(p)).toThrow(MaskError);
  });

  it('a new (all-zero) page only gets the LSN/checksum mask', () => {
    const p = new Uint8Array(8192);
    setPageLsn(p, 0x55n);
    expect(maskedCopy('heap', p, 0).every((b) => b === 0)).toBe(true);
  });
});
