import { formatSha256Sums, parseSha256Sums } from '../../../src/release/checksums';

const A = '0123456789abcdef'.repeat(4);
const B = 'F'.repeat(64);

describe('formatSha256Sums', () => {
  it('formats SHA256SUMS like sha256sum, sorted by name', () => {
    expect(
      formatSha256Sums([
        { name: 'b', sha256: '2'.repeat(64) },
        { name: 'a', sha256: '1'.repeat(64) },
      ]),
    ).toBe(`${'1'.repeat(64)}  a\n${'2'.repeat(64)}  b\n`);
  });

  it('reads back what it writes', () => {
    const sums = [
      { name: 'pg-bundle-t-linux-x86_64.tar.zst', sha256: A },
      { name: 'manifest.json', sha256: 'e'.repeat(64) },
    ];
    expect(Object.fromEntries(parseSha256Sums(formatSha256Sums(sums)))).toEqual({
      'manifest.json': 'e'.repeat(64),
      'pg-bundle-t-linux-x86_64.tar.zst': A,
    });
  });
});

describe('parseSha256Sums', () => {
  it.each<[string, string, Record<string, string>]>([
    ['text marker', `${A}  pg-bundle-t-linux-x86_64.tar.zst\n`, { 'pg-bundle-t-linux-x86_64.tar.zst': A }],
    ['binary marker, upper-case hex', `${B} *manifest.json\n`, { 'manifest.json': 'f'.repeat(64) }],
    ['CRLF line ends', `${A}  one\r\n${'b'.repeat(64)}  two\r\n`, { one: A, two: 'b'.repeat(64) }],
    ['lines that are not sums are skipped', `not a line\n${A.slice(1)}  short\n\n${A}  ok\n`, { ok: A }],
    ['a name with spaces', `${A}  a name.txt\n`, { 'a name.txt': A }],
    ['empty', '', {}],
  ])('%s', (_what, text, expected) => {
    expect(Object.fromEntries(parseSha256Sums(text))).toEqual(expected);
  });

  it.each([
    ['the same sum twice', `${A}  one\n${A}  one\n`],
    ['two sums for one name', `${A}  one\n${'b'.repeat(64)}  one\n`],
  ])('refuses a name listed twice (%s)', (_what, text) => {
    expect(() => parseSha256Sums(text, 'SHA256SUMS of release t')).toThrow(
      /SHA256SUMS of release t lists one more than once\n {2}fix: do not use this release/,
    );
  });
});
