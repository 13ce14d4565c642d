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
 * OIDs initdb assigns after bootstrap (FirstBootstrapObjectId, v15+ FirstUnpinnedObjectId, up to
 * FirstNormalObjectId): they depend on how many objects came before, so one more ICU collation
 * shifts every later one. They are masked wherever they appear (oid columns, references, arrays,
 * node trees), and such rows are matched by name instead.
 */
export const INITDB_OIDS = { first: 12000, end: 16384 };
export const SHIFTED_OID = '<initdb oid>';

/** A row with every number of the initdb OID range replaced by SHIFTED_OID (pure). */
export function maskInitdbOids(row: string): string {
  return row.replace(/\b\d{5}\b/g, (n) =>
    Number(n) >= INITDB_OIDS.first && Number(n) < INITDB_OIDS.end ? SHIFTED_OID : n,
  );
}

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
  /** the row's oid, its name when initdb assigned the oid ("collname sv-x-icu"), or its text when the table has no oid column */
  key: string;
  change: 'only in old' | 'only in new' | 'changed';
  /** for changed rows: the columns that differ */
  columns?: FieldDifference[];
}

/**
 * Rows of one table by key: a fixed oid (first column) as it is; an oid initdb assigned by the
 * row's name (second column, e.g. collname) with the oids masked; a table without oids by its row.
 */
function keyed(t: CatalogTable): Map<string, string> {
  const byOid = t.columns[0] === 'oid';
  const map = new Map<string, string>();
  for (const raw of t.rows) {
    const row = maskInitdbOids(raw);
    const fields = row.split('\t', 2);
    const key = !byOid
      ? row
      : fields[0] === SHIFTED_OID
        ? `${t.columns[1] ?? ''} ${fields[1] ?? ''}`
        : fields[0];
    let unique = key;
    for (let n = 2; map.has(unique); n++) unique = `${key} (#${n})`;
    map.set(unique, row);
  }
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
    const ka = keyed(a);
    const kb = keyed(b);
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
