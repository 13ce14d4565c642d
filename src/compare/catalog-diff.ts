/**
 * Comparing what two initdb runs wrote (pure): the rows of every pg_catalog table and the fields of
 * pg_control. Values that depend on the host or the time of the run are masked, each with its
 * reason; everything else that differs is reported.
 */
import { ControlFacts } from '../verify/pg-control';

/** pg_control fields that differ between two runs by design. */
export const MASKED_CONTROL_FIELDS: Readonly<Record<string, string>> = {
  systemIdentifier: 'made from the time of initdb and the process id',
  time: 'the time of the last update',
  crcStored: 'covers the masked fields',
  crcComputed: 'covers the masked fields',
  crcOk: 'checked by verify',
};

/**
 * Catalog columns whose values depend on the host or time of the run ("table.column"). initdb in an
 * empty root writes none today (two runs of one bundle give identical rows); the table is where such
 * a column goes, with its reason.
 */
export const MASKED_CATALOG_COLUMNS: Readonly<Record<string, string>> = {};

export interface FieldDifference {
  field: string;
  old: string;
  new: string;
}

export function controlDifferences(a: ControlFacts, b: ControlFacts): FieldDifference[] {
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter(
    (f) => !(f in MASKED_CONTROL_FIELDS),
  );
  const show = (v: unknown) => (v === undefined ? '(absent)' : String(v));
  return fields
    .map((field) => ({
      field,
      old: show((a as unknown as Record<string, unknown>)[field]),
      new: show((b as unknown as Record<string, unknown>)[field]),
    }))
    .filter((d) => d.old !== d.new);
}

export interface CatalogTable {
  columns: string[];
  /** COPY text lines, one per row */
  rows: string[];
}

export interface RowDifference {
  table: string;
  /** the row's oid, or its text when the table has no oid column */
  key: string;
  change: 'only in old' | 'only in new' | 'changed';
  /** for changed rows: the columns that differ */
  columns?: FieldDifference[];
}

function masked(table: string, t: CatalogTable): string[] {
  const cols = t.columns
    .map((c, i) => (`${table}.${c}` in MASKED_CATALOG_COLUMNS ? i : -1))
    .filter((i) => i >= 0);
  if (cols.length === 0) return t.rows;
  return t.rows.map((r) => {
    const f = r.split('\t');
    for (const i of cols) f[i] = '<masked>';
    return f.join('\t');
  });
}

/** Rows of one table keyed by oid (first column) when there is one, else by the whole row. */
function keyed(table: string, t: CatalogTable): Map<string, string> {
  const byOid = t.columns[0] === 'oid';
  const map = new Map<string, string>();
  const rows = masked(table, t);
  rows.forEach((r, i) => {
    const key = byOid ? r.split('\t', 1)[0] : r;
    map.set(map.has(key) ? `${key} (#${i})` : key, r);
  });
  return map;
}

function changedColumns(columns: string[], a: string, b: string): FieldDifference[] {
  const fa = a.split('\t');
  const fb = b.split('\t');
  return columns
    .map((field, i) => ({ field, old: fa[i] ?? '', new: fb[i] ?? '' }))
    .filter((d) => d.old !== d.new);
}

const shown = (key: string) => (key.length > 160 ? `${key.slice(0, 160)}...` : key);

/** Row differences of every table either side has (a table only one side has: each row reported). */
export function catalogDifferences(
  oldTables: ReadonlyMap<string, CatalogTable>,
  newTables: ReadonlyMap<string, CatalogTable>,
): RowDifference[] {
  const out: RowDifference[] = [];
  const empty: CatalogTable = { columns: [], rows: [] };
  for (const table of [...new Set([...oldTables.keys(), ...newTables.keys()])].sort()) {
    const a = oldTables.get(table) ?? { ...empty, columns: newTables.get(table)!.columns };
    const b = newTables.get(table) ?? { ...empty, columns: a.columns };
    const ka = keyed(table, a);
    const kb = keyed(table, b);
    for (const [key, row] of ka) {
      const other = kb.get(key);
      if (other === undefined) out.push({ table, key: shown(key), change: 'only in old' });
      else if (other !== row)
        out.push({ table, key, change: 'changed', columns: changedColumns(a.columns, row, other) });
    }
    for (const key of kb.keys())
      if (!ka.has(key)) out.push({ table, key: shown(key), change: 'only in new' });
  }
  return out;
}
