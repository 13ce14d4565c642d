import { Option } from 'commander';
import { boolOption, listOption, stringOption } from '../../../src/core/context';
import { OPTION_SPECS, OptionKey, RawOptions } from '../../../src/core/options';

describe('option keys are typed by the options table', () => {
  const options: RawOptions = { pg: '17', dryRun: true, module: ['a', 'b'] };

  test('a key of the table reads its value', () => {
    expect(stringOption(options, 'pg')).toBe('17');
    expect(boolOption(options, 'dryRun')).toBe(true);
    expect(listOption(options, 'module')).toEqual(['a', 'b']);
  });

  test('a misspelt key does not compile (the type-check CI runs covers this file: an unneeded @ts-expect-error fails it)', () => {
    // @ts-expect-error 'pgg' is not a key of OPTION_SPECS
    expect(stringOption(options, 'pgg')).toBeUndefined();
    // @ts-expect-error 'dryrun' is not a key of OPTION_SPECS (it is dryRun)
    expect(boolOption(options, 'dryrun')).toBe(false);
    // @ts-expect-error a RawOptions object takes only the table's keys
    const typo: RawOptions = { cachedir: '/tmp' };
    expect(typo).toBeDefined();
  });

  test('every key of the table is unique', () => {
    const keys: OptionKey[] = OPTION_SPECS.map((s) => s.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test.each(OPTION_SPECS.map((s) => [s.flag, s.key]))(
    'the CLI reads %s into the key %s (commander names it from the flag)',
    (flag, key) => expect(new Option(flag).attributeName()).toBe(key),
  );
});
