import {
  catalogDifferences,
  CatalogTable,
  controlDifferences,
  maskInitdbOids,
} from '../../../src/compare/catalog-diff';
import { ControlFacts } from '../../../src/verify/pg-control';

const table = (columns: string[], rows: string[]): CatalogTable => ({ columns, rows });
const tables = (entries: Array<[string, CatalogTable]>) => new Map(entries);

describe('catalogDifferences', () => {
  it.each<[string, Array<[string, CatalogTable]>, Array<[string, CatalogTable]>, unknown[]]>([
    [
      'identical tables',
      [['pg_am', table(['oid', 'amname'], ['2\theap', '403\tbtree'])]],
      [['pg_am', table(['oid', 'amname'], ['403\tbtree', '2\theap'])]],
      [],
    ],
    [
      'a changed row is paired by its fixed oid and names its columns',
      [['pg_collation', table(['oid', 'collname', 'collversion'], ['3456\tsv-x-icu\t153.112'])]],
      [['pg_collation', table(['oid', 'collname', 'collversion'], ['3456\tsv-x-icu\t153.120'])]],
      [
        {
          table: 'pg_collation',
          key: '3456',
          change: 'changed',
          columns: [{ field: 'collversion', old: '153.112', new: '153.120' }],
        },
      ],
    ],
    [
      'rows on one side only',
      [['pg_collation', table(['oid', 'collname'], ['1\ta', '2\tb'])]],
      [['pg_collation', table(['oid', 'collname'], ['1\ta', '3\tc'])]],
      [
        { table: 'pg_collation', key: '2', change: 'only in old' },
        { table: 'pg_collation', key: '3', change: 'only in new' },
      ],
    ],
    [
      'a table without oid is compared by whole rows',
      [['pg_depend', table(['classid', 'objid'], ['1\t2'])]],
      [['pg_depend', table(['classid', 'objid'], ['1\t3'])]],
      [
        { table: 'pg_depend', key: '1\t2', change: 'only in old' },
        { table: 'pg_depend', key: '1\t3', change: 'only in new' },
      ],
    ],
    [
      'oids initdb assigned are matched by name, shifted references are masked',
      [
        [
          'pg_collation',
          table(['oid', 'collname', 'collversion'], ['12400\tsv-x-icu\t153.14', '950\tC\t\\N']),
        ],
      ],
      [
        [
          'pg_collation',
          table(
            ['oid', 'collname', 'collversion'],
            ['12345\tbgc-x-icu\t153.120', '12423\tsv-x-icu\t153.120', '950\tC\t\\N'],
          ),
        ],
      ],
      [
        {
          table: 'pg_collation',
          key: 'collname sv-x-icu',
          change: 'changed',
          columns: [{ field: 'collversion', old: '153.14', new: '153.120' }],
        },
        { table: 'pg_collation', key: 'collname bgc-x-icu', change: 'only in new' },
      ],
    ],
    [
      'a reference to a shifted oid in a table without oids',
      [['pg_depend', table(['classid', 'objid', 'refobjid'], ['3456\t12400\t11'])]],
      [['pg_depend', table(['classid', 'objid', 'refobjid'], ['3456\t12423\t11'])]],
      [],
    ],
    [
      'a table only one side has',
      [],
      [['pg_new', table(['oid'], ['7'])]],
      [{ table: 'pg_new', key: '7', change: 'only in new' }],
    ],
  ])('%s', (_, a, b, want) => {
    expect(catalogDifferences(tables(a), tables(b))).toEqual(want);
  });
});

describe('maskInitdbOids', () => {
  it.each([
    ['11999\t12000\t16383\t16384', '11999\t<initdb oid>\t<initdb oid>\t16384'],
    ['{12001,13000,99999}', '{<initdb oid>,<initdb oid>,99999}'],
    ['({VAR :varno 1 :vartype 12345 :location -1})', '({VAR :varno 1 :vartype <initdb oid> :location -1})'],
    ['123456\tx12345', '123456\tx12345'],
  ])('%j', (row, masked) => {
    expect(maskInitdbOids(row)).toBe(masked);
  });
});

describe('controlDifferences', () => {
  const facts: ControlFacts = {
    systemIdentifier: '7000000000000000001',
    controlVersion: 1300,
    catalogVersion: 202107181,
    state: 'shut down',
    time: 1700000000,
    checkPoint: '0/16FDA08',
    blockSize: 8192,
    walSegmentSize: 16777216,
    dataChecksumVersion: 0,
    crcStored: 1,
    crcComputed: 1,
    crcOk: true,
  };
  it.each<[string, Partial<ControlFacts>, string[]]>([
    [
      'system identifier, time and CRC are masked',
      { systemIdentifier: '7', time: 1, crcStored: 2, crcComputed: 2 },
      [],
    ],
    ['the catalog version is compared', { catalogVersion: 202107182 }, ['catalogVersion']],
    ['the checkpoint location is compared', { checkPoint: '0/1700000' }, ['checkPoint']],
    ['a field one side lacks', { defaultCharSigned: true }, ['defaultCharSigned']],
  ])('%s', (_, change, fields) => {
    expect(controlDifferences(facts, { ...facts, ...change }).map((d) => d.field)).toEqual(fields);
  });
});
