import { createHash } from 'node:crypto';
import {
  collationCorpus,
  corpusHead,
  DIGIT_ZEROS,
  EMOJI,
  IGNORABLES,
  prng,
  SCRIPTS,
} from '../../../src/compare/collation-corpus';

const corpus = collationCorpus();
const count = (pred: (s: string) => boolean) => corpus.filter(pred).length;
const hasAny = (chars: readonly string[]) => (s: string) => chars.some((c) => s.includes(c));
const digitRun = (s: string) =>
  DIGIT_ZEROS.some((z) => {
    let run = 0;
    for (const c of s) {
      const d = c.codePointAt(0)! - z;
      run = d >= 0 && d <= 9 ? run + 1 : 0;
      if (run >= 3) return true;
    }
    return false;
  });

describe('collationCorpus', () => {
  it('has 100,000 distinct strings, without NUL or lone surrogates', () => {
    expect(corpus).toHaveLength(100_000);
    expect(new Set(corpus).size).toBe(100_000);
    expect(corpus.every((s) => s !== '' && !s.includes('\0') && !/\p{Cs}/u.test(s))).toBe(true);
  });

  it('is the same list on every call (committed code, seeded generator)', () => {
    const digest = (list: string[]) => createHash('sha256').update(list.join('\n')).digest('hex');
    expect(digest(collationCorpus())).toBe(digest(corpus));
    expect(collationCorpus(1000)).toEqual(corpus.slice(0, 1000));
  });

  it('starts with every letter of every script', () => {
    const head = new Set(corpusHead());
    for (const letters of Object.values(SCRIPTS)) for (const l of letters) expect(head.has(l)).toBe(true);
    expect(corpus.slice(0, head.size)).toEqual(corpusHead());
  });

  it.each<[string, (s: string) => boolean, number]>([
    ['upper-case Latin', (s) => /^[A-Z]{2,}$/.test(s), 100],
    ['mixed case', (s) => /[a-z]/.test(s) && /[A-Z]/.test(s), 2000],
    ['precomposed accents', (s) => /[à-ÿ]/.test(s), 5000],
    ['decomposed (combining) accents', (s) => /\p{M}/u.test(s) && s !== s.normalize('NFC'), 5000],
    ['Greek', (s) => /\p{Script=Greek}/u.test(s), 2000],
    ['Cyrillic', (s) => /\p{Script=Cyrillic}/u.test(s), 2000],
    ['Arabic', (s) => /\p{Script=Arabic}/u.test(s), 1000],
    ['Hebrew', (s) => /\p{Script=Hebrew}/u.test(s), 1000],
    ['Devanagari', (s) => /\p{Script=Devanagari}/u.test(s), 1000],
    ['Thai', (s) => /\p{Script=Thai}/u.test(s), 1000],
    ['Hangul', (s) => /\p{Script=Hangul}/u.test(s), 1000],
    ['Han', (s) => /\p{Script=Han}/u.test(s), 1000],
    ['kana', (s) => /[\p{Script=Hiragana}\p{Script=Katakana}]/u.test(s), 1000],
    ['punctuation and symbols', (s) => /[\p{P}\p{S}]/u.test(s), 10000],
    ['runs of three or more digits', digitRun, 5000],
    ['non-ASCII digits', (s) => /[٠-٩०-९０-９]/.test(s), 1000],
    ['ignorable characters', hasAny(IGNORABLES), 3000],
    ['emoji', hasAny(EMOJI), 3000],
    ['long common prefixes (40+ characters)', (s) => [...s].length >= 40, 3000],
    [
      'several scripts in one string',
      (s) => /\p{Script=Latin}/u.test(s) && /\p{Script=Cyrillic}/u.test(s),
      100,
    ],
  ])('has %s', (_, pred, atLeast) => {
    expect(count(pred)).toBeGreaterThanOrEqual(atLeast);
  });
});

describe('prng', () => {
  it.each([
    [1, 3],
    [0x5eedc011, 5],
  ])('seed %i gives the same numbers in [0, 1) every time', (seed, n) => {
    const a = prng(seed);
    const b = prng(seed);
    for (let i = 0; i < n; i++) {
      const x = a();
      expect(x).toBe(b());
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});
