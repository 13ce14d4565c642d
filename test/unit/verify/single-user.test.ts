import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  collationFacts,
  UNVERSIONED,
  collationQueries,
  expectedLocale,
  localeProblems,
  parseSingleUserOutput,
  singleUserInput,
} from '../../../src/verify/single-user';

const V15_OUTPUT = readFileSync(join(__dirname, '../../fixtures/verify/single-user-v15.stdout'), 'utf8');

describe('single-user collation queries', () => {
  it('parses the debug print of a real v15 single-user backend', () => {
    const values = parseSingleUserOutput(V15_OUTPUT);
    expect(values).toEqual({
      icuCollationVersion: '153.120',
      icuStoredVersion: '153.120',
      datcollate: 'C.UTF-8',
      datctype: 'C.UTF-8',
      datlocprovider: 'c',
    });
    expect(collationFacts(values)).toEqual({
      icuCollationVersion: '153.120',
      datcollate: 'C.UTF-8',
      datctype: 'C.UTF-8',
      datlocprovider: 'c',
      // datcollversion is NULL for C.*: recorded as such, not left looking unmeasured
      libcCollationVersion: UNVERSIONED,
    });
    expect(localeProblems(15, values)).toEqual([]);
  });

  it.each([
    [{ datcollate: 'en_US.UTF-8', datlocprovider: 'c', libcCollationVersion: '2.36' }, '2.36'],
    [{ datcollate: 'en_US.UTF-8', datlocprovider: 'c' }, undefined],
    [{ datcollate: 'POSIX' }, UNVERSIONED],
    [{ datcollate: 'C.UTF-8', datlocprovider: 'b', libcCollationVersion: '1' }, '1'],
  ])('libc collation version of %j', (values, expected) => {
    expect(collationFacts(values).libcCollationVersion).toBe(expected);
  });

  it.each([
    [14, false, false],
    [15, true, false],
    [16, true, false],
    [17, true, true],
    [18, true, true],
  ])('v%i asks for datlocprovider: %s, datlocale: %s', (major, provider, locale) => {
    const sql = collationQueries(major).join('\n');
    expect(sql.includes('datlocprovider')).toBe(provider);
    expect(sql.includes('datlocale')).toBe(locale);
    expect(singleUserInput(major).split('\n').filter(Boolean)).toHaveLength(collationQueries(major).length);
    expect(singleUserInput(major).endsWith(';\n')).toBe(true);
  });

  it.each<[number, Record<string, string>, string[]]>([
    [14, { datcollate: 'C.UTF-8', datctype: 'C.UTF-8' }, []],
    [
      16,
      { datcollate: 'C.UTF-8', datctype: 'C.UTF-8', datlocprovider: 'i' },
      ['datlocprovider is "i", expected "c"'],
    ],
    [17, { datcollate: 'C.UTF-8', datctype: 'C.UTF-8', datlocprovider: 'b', datlocale: 'C.UTF-8' }, []],
    [
      18,
      { datcollate: 'en_US.UTF-8', datctype: 'C.UTF-8', datlocprovider: 'b' },
      ['datcollate is "en_US.UTF-8", expected "C.UTF-8"', 'datlocale is null, expected "C.UTF-8"'],
    ],
    [15, {}, ['datcollate was not reported', 'datctype was not reported', 'datlocprovider was not reported']],
  ])('v%i locale problems of %j', (major, values, problems) => {
    expect(localeProblems(major, values)).toEqual(problems);
  });

  it('expects the builtin provider from v17 on', () => {
    expect(expectedLocale(16).datlocprovider).toBe('c');
    expect(expectedLocale(17).datlocprovider).toBe('b');
    expect(expectedLocale(14).datlocprovider).toBeUndefined();
  });
});
