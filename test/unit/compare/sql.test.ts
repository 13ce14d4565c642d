import {
  amcheckSql,
  collationsSql,
  copyField,
  copyRows,
  createIndexSql,
  dumpCatalogSql,
  hashProbeOrdersSql,
  hashesOutSql,
  ident,
  literal,
  loadCorpusSql,
  orderSql,
  singleUserScript,
} from '../../../src/compare/sql';

describe('COPY text format', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['new\nline', 'new\\nline'],
    ['back\\slash', 'back\\\\slash'],
    ['cr\r', 'cr\\r'],
    ['\\N', '\\\\N'],
  ])('%j is written as %j and read back', (value, field) => {
    expect(copyField(value)).toBe(field);
    expect(copyRows(`1\t${field}\n`)).toEqual([['1', value]]);
  });

  it('reads \\N as NULL and skips the empty last line', () => {
    expect(copyRows('a\t\\N\nb\tc\n')).toEqual([
      ['a', null],
      ['b', 'c'],
    ]);
  });
});

describe('quoting', () => {
  it.each([
    [literal("it's"), "'it''s'"],
    [ident('de-x-icu'), '"de-x-icu"'],
    [ident('a"b'), '"a""b"'],
  ])('%s', (got, want) => expect(got).toBe(want));
});

describe('single-user statements', () => {
  it('are one per line', () => {
    const all = [
      ...dumpCatalogSql('/inout/catalog'),
      collationsSql('/inout/c.txt'),
      ...loadCorpusSql('/inout/corpus.txt'),
      hashProbeOrdersSql(),
      hashesOutSql('/inout/probe.txt'),
      orderSql('sv-x-icu', '/inout/o.txt'),
      createIndexSql('pgb_idx_0', 'sv-x-icu'),
      ...amcheckSql('/inout/i.txt', '/inout/a.txt'),
    ];
    expect(singleUserScript(all).split('\n')).toHaveLength(all.length + 1);
  });

  it('refuses a statement that spans lines', () => {
    expect(() => singleUserScript(['SELECT\n1'])).toThrow('spans lines');
  });

  it('sort every usable collation with ties broken by id', () => {
    expect(hashProbeOrdersSql()).toContain("collencoding IN (-1, pg_char_to_encoding('UTF8'))");
    expect(hashProbeOrdersSql()).toContain('ORDER BY s COLLATE pg_catalog.%I, id)) FROM pgb_probe');
    expect(orderSql('sv-x-icu', '/o')).toBe(
      `COPY (SELECT id FROM pgb_corpus ORDER BY s COLLATE pg_catalog."sv-x-icu", id) TO '/o'`,
    );
  });

  it('check indexes with heapallindexed', () => {
    expect(amcheckSql('/l', '/o').join('\n')).toContain(
      'bt_index_check(quote_ident(c.idx)::regclass, heapallindexed => true)',
    );
  });
});
