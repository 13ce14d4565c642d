import {
  byteOrder,
  generateModuleTable,
  moduleIdentifier,
  parseNmDefinedGlobals,
  redefineSymsFile,
  renamedSymbol,
} from '../../../src/compile/module-table';

describe('module table generation', () => {
  const plpgsql = {
    name: 'plpgsql',
    symbols: ['plpgsql_call_handler', 'Pg_magic_func', '_PG_init', 'pg_finfo_plpgsql_call_handler'],
  };
  const snowball = {
    name: 'dict_snowball',
    symbols: ['Pg_magic_func', 'dsnowball_init', 'dsnowball_lexize'],
  };

  test('symbols are renamed per module', () => {
    expect(renamedSymbol('plpgsql', '_PG_init')).toBe('pgbm_plpgsql___PG_init');
    expect(redefineSymsFile({ name: 'm', symbols: ['a', 'Pg_magic_func'] })).toBe(
      'a pgbm_m__a\nPg_magic_func pgbm_m__Pg_magic_func\n',
    );
  });

  test('module names that are not C identifiers are encoded', () => {
    expect(moduleIdentifier('neon-walredo')).toBe('neon_2d_walredo');
    expect(moduleIdentifier('neon_rmgr')).toBe('neon_rmgr');
  });

  test('the table is sorted by strcmp order for bsearch, modules and symbols', () => {
    const c = generateModuleTable([plpgsql, snowball]);
    const moduleOrder = [...c.matchAll(/^\t\{"([^"]+)", pgbm_/gm)].map((m) => m[1]);
    expect(moduleOrder).toEqual(['dict_snowball', 'plpgsql']);
    const plSymbols = c.split('pgbm_plpgsql_symbols[] = {')[1].split('};')[0];
    const names = [...plSymbols.matchAll(/\{"([^"]+)"/g)].map((m) => m[1]);
    expect(names).toEqual([
      'Pg_magic_func',
      '_PG_init',
      'pg_finfo_plpgsql_call_handler',
      'plpgsql_call_handler',
    ]);
    expect(names).toEqual([...names].sort(byteOrder));
    expect(c).toContain('extern char pgbm_plpgsql___PG_init[];');
    expect(c).toContain('const int pgb_nmodules = 2;');
  });

  test('an empty table still compiles (one NULL entry, count 0)', () => {
    const c = generateModuleTable([]);
    expect(c).toContain('{NULL, NULL, 0}');
    expect(c).toContain('const int pgb_nmodules = 0;');
  });

  test.each([
    [[{ name: 'x', symbols: ['foo'] }], /no Pg_magic_func/],
    [[plpgsql, plpgsql], /linked in twice/],
    [[{ name: 'a/b', symbols: ['Pg_magic_func'] }], /invalid module name/],
  ])('rejects bad input %#', (modules, message) => {
    expect(() => generateModuleTable(modules)).toThrow(message);
  });

  test('nm output: only defined globals', () => {
    const nm = [
      'Pg_magic_func T 0000000000000010 000000000000000a',
      '_PG_init T 0000000000000020 0000000000000005',
      'local_helper t 0000000000000030 0000000000000005',
      'plpgsql_variable_conflict D 0000000000000000 0000000000000004',
      'some_bss B 0000000000000008 0000000000000008',
      'weak_fn W 0000000000000040 0000000000000001',
      'foo.cold t 0000000000000050 0000000000000001',
      '',
    ].join('\n');
    expect(parseNmDefinedGlobals(nm)).toEqual([
      'Pg_magic_func',
      '_PG_init',
      'plpgsql_variable_conflict',
      'some_bss',
      'weak_fn',
    ]);
  });
});
