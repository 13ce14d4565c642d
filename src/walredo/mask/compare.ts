/**
 * Masked page comparison as verifyBackupPageConsistency does it, plus the unmasked pd_lsn check,
 * and a readable explanation of the first difference.
 */
import { BLCKSZ, formatLsn } from '../wal/constants';
import { maskedCopy, MaskKind } from './select';
import {
  itemId,
  MaskError,
  maxOffsetNumber,
  pageIsNew,
  pageLsn,
  pdLower,
  pdSpecial,
  pdUpper,
  SIZE_OF_PAGE_HEADER,
  u16,
} from './page';

export interface PageDiff {
  /** Byte offset of the first difference in the page. */
  offset: number;
  /** What lives at that offset (header field, line pointer, tuple, free or special space). */
  region: string;
  /** Page offset of the first byte shown in the hex strings (the 16-byte line holding `offset`). */
  hexFrom: number;
  expectedHex: string;
  actualHex: string;
  /** Number of differing bytes after masking. */
  differingBytes: number;
}

export interface PageComparison {
  ok: boolean;
  lsnOk: boolean;
  /** Why the pages differ (LSN, masked content, or a malformed page). */
  problems: string[];
  diff?: PageDiff;
}

const HEADER_FIELDS: [number, number, string][] = [
  [0, 8, 'pd_lsn'],
  [8, 10, 'pd_checksum'],
  [10, 12, 'pd_flags'],
  [12, 14, 'pd_lower'],
  [14, 16, 'pd_upper'],
  [16, 18, 'pd_special'],
  [18, 20, 'pd_pagesize_version'],
  [20, 24, 'pd_prune_xid'],
];

const BRIN_PAGETYPE_REVMAP = 0xf092;
const REVMAP_CONTENT_SIZE = BLCKSZ - SIZE_OF_PAGE_HEADER - 8;

/**
 * BRIN revmap pages keep an array of 6-byte TIDs after the header without moving pd_lower, so
 * their content would look like free space: name the entry instead.
 */
function brinRevmapEntry(page: Uint8Array, offset: number): string | undefined {
  const special = pdSpecial(page);
  if (special !== BLCKSZ - 8 || u16(page, special + 6) !== BRIN_PAGETYPE_REVMAP) return undefined;
  if (offset >= SIZE_OF_PAGE_HEADER + REVMAP_CONTENT_SIZE) return undefined;
  const entry = Math.floor((offset - SIZE_OF_PAGE_HEADER) / 6);
  const field = [
    'block number (high)',
    'block number (high)',
    'block number (low)',
    'block number (low)',
    'offset',
    'offset',
  ][(offset - SIZE_OF_PAGE_HEADER) % 6];
  return `BRIN revmap entry ${entry} (TID of the summary tuple of the page's range ${entry}; ${field})`;
}

/** Names the page region of `offset`, using the layout of `page` (the expected page). */
export function explainOffset(page: Uint8Array, offset: number): string {
  if (offset < SIZE_OF_PAGE_HEADER) {
    const f = HEADER_FIELDS.find(([a, b]) => offset >= a && offset < b)!;
    return `page header (${f[2]}, byte ${offset - f[0]})`;
  }
  if (pageIsNew(page)) return 'content of a new (uninitialised) page';
  const revmap = brinRevmapEntry(page, offset);
  if (revmap) return revmap;
  const lower = pdLower(page);
  const upper = pdUpper(page);
  const special = pdSpecial(page);
  if (offset < lower) {
    const n = Math.floor((offset - SIZE_OF_PAGE_HEADER) / 4) + 1;
    return `line pointer ${n} (of ${maxOffsetNumber(page)})`;
  }
  if (offset >= special && special < BLCKSZ)
    return `special space (access-method opaque data, byte ${offset - special})`;
  if (offset < upper) return 'free space between pd_lower and pd_upper';
  const max = maxOffsetNumber(page);
  for (let n = 1; n <= max; n++) {
    const iid = itemId(page, n);
    if (iid.len > 0 && offset >= iid.off && offset < iid.off + iid.len) {
      return `tuple of line pointer ${n} (tuple offset ${iid.off}, byte ${offset - iid.off} of ${iid.len})`;
    }
  }
  return 'tuple space not referenced by any line pointer';
}

function hex(page: Uint8Array, from: number, n: number): string {
  return Buffer.from(page.subarray(from, Math.min(BLCKSZ, from + n)))
    .toString('hex')
    .replace(/(..)/g, '$1 ')
    .trim();
}

export function firstDifference(
  expected: Uint8Array,
  actual: Uint8Array,
  layout: Uint8Array,
): PageDiff | undefined {
  let first = -1;
  let count = 0;
  for (let i = 0; i < BLCKSZ; i++) {
    if (expected[i] !== actual[i]) {
      if (first < 0) first = i;
      count++;
    }
  }
  if (first < 0) return undefined;
  const from = first - (first % 16);
  return {
    offset: first,
    region: explainOffset(layout, first),
    hexFrom: from,
    expectedHex: hex(expected, from, 32),
    actualHex: hex(actual, from, 32),
    differingBytes: count,
  };
}

/**
 * Compares the walredo result with the expected after-image: masked content must be equal, and
 * (unmasked) a non-new result page must carry `lsn`, the A message's LSN, or one of
 * `otherLsns` (the LSN of an earlier record when the last ones leave the page unchanged).
 */
export function comparePages(
  expected: Uint8Array,
  actual: Uint8Array,
  kind: MaskKind,
  blkno: number,
  lsn: bigint | undefined,
  otherLsns: readonly bigint[] = [],
): PageComparison {
  const problems: string[] = [];
  let lsnOk = true;
  if (actual.length !== BLCKSZ) {
    return {
      ok: false,
      lsnOk: false,
      problems: [`the returned page has ${actual.length} bytes, expected ${BLCKSZ}`],
    };
  }
  if (
    lsn !== undefined &&
    !pageIsNew(actual) &&
    pageLsn(actual) !== lsn &&
    !otherLsns.includes(pageLsn(actual))
  ) {
    lsnOk = false;
    problems.push(
      `pd_lsn is ${formatLsn(pageLsn(actual))}, expected the record's end LSN ${formatLsn(lsn)}${otherLsns.length ? ` or ${otherLsns.map(formatLsn).join(', ')}` : ''}`,
    );
  }
  let diff: PageDiff | undefined;
  try {
    const e = maskedCopy(kind, expected, blkno);
    const a = maskedCopy(kind, actual, blkno);
    diff = firstDifference(e, a, expected);
    if (diff)
      problems.push(
        `masked (${kind}) pages differ in ${diff.differingBytes} bytes, first at ${diff.offset}: ${diff.region}`,
      );
  } catch (err) {
    if (!(err instanceof MaskError)) throw err;
    // the rmgr mask rejects the layout (as mask_unused_space would): compare with LSN and checksum masked only
    diff = firstDifference(
      maskedCopy('lsn-only', expected, blkno),
      maskedCopy('lsn-only', actual, blkno),
      expected,
    );
    if (diff)
      problems.push(
        `cannot apply the ${kind} mask (${err.message}); pages differ at ${diff.offset}: ${diff.region}`,
      );
  }
  return { ok: problems.length === 0, lsnOk, problems, diff };
}

/**
 * Why a page walredo answered for a replay chain with no page to compare it with is wrong (pure):
 * not a whole page, an all-zero page after records that initialise or restore it, a header whose
 * pd_lower, pd_upper and pd_special are out of order, or a pd_lsn other than `stampedBy` (the last
 * record's end LSN, and earlier ones only where the records after them may leave it unstamped:
 * sample-chains.ts). Empty when the page is plausible.
 */
export function replayedPageProblems(page: Uint8Array, stampedBy: readonly bigint[]): string[] {
  if (page.length !== BLCKSZ) return [`the returned page has ${page.length} bytes, expected ${BLCKSZ}`];
  if (pageIsNew(page))
    return ['the returned page is all zeros (new), although the chain initialises or restores it'];
  const problems: string[] = [];
  const lower = pdLower(page);
  const upper = pdUpper(page);
  const special = pdSpecial(page);
  if (lower < SIZE_OF_PAGE_HEADER || lower > upper || upper > special || special > BLCKSZ)
    problems.push(`malformed page header: pd_lower ${lower}, pd_upper ${upper}, pd_special ${special}`);
  if (!stampedBy.includes(pageLsn(page)))
    problems.push(
      `pd_lsn is ${formatLsn(pageLsn(page))}, expected ${stampedBy.map(formatLsn).join(' or ')} (the chain's last record${stampedBy.length > 1 ? ', or one before records that may leave it' : ''})`,
    );
  return problems;
}
