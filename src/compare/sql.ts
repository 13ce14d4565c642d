/**
 * The statements compare sends to a single-user backend (pure). Single-user mode ends a statement at
 * a newline, so each statement is one line. Results come back as files the backend writes with
 * COPY into the sandbox's writable directory, read by `copyRows`.
 */

/** One COPY text-format field (pure): backslash, tab, newline and carriage return escaped. */
export function copyField(s: string): string {
  return s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
}

/** The rows of a COPY text-format file (pure); `\N` is NULL. */
export function copyRows(text: string): (string | null)[][] {
  const unescape = (f: string): string | null =>
    f === '\\N' ? null : f.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t').map(unescape));
}

/** A SQL string literal. */
export function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A quoted identifier. */
export function ident(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Statements joined into single-user input: one per line, each line must not contain a newline. */
export function singleUserScript(statements: readonly string[]): string {
  for (const s of statements)
    if (s.includes('\n')) throw new Error(`a single-user statement spans lines: ${s.slice(0, 80)}`);
  return statements.map((s) => `${s};\n`).join('');
}

/** Collations usable in a UTF8 database. */
const USABLE_COLLATIONS = "collencoding IN (-1, pg_char_to_encoding('UTF8'))";

/** The schemas initdb fills: the system catalogs and the SQL-standard information schema. */
const CATALOG_SCHEMAS =
  "c.relnamespace IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace) AND c.relkind = 'r'";

/** Every table of the catalog schemas written to <dir>/<schema>.<table>.txt, and each table's column names to <dir>/columns. */
export function dumpCatalogSql(dir: string): string[] {
  return [
    `DO $$ DECLARE t record; BEGIN FOR t IN SELECT c.relnamespace::regnamespace::text AS nsp, c.relname FROM pg_class c WHERE ${CATALOG_SCHEMAS} LOOP EXECUTE format('COPY %I.%I TO %L', t.nsp, t.relname, ${literal(dir)} || '/' || t.nsp || '.' || t.relname || '.txt'); END LOOP; END $$`,
    `COPY (SELECT c.relnamespace::regnamespace::text || '.' || c.relname, string_agg(a.attname, ',' ORDER BY a.attnum) FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped WHERE ${CATALOG_SCHEMAS} GROUP BY 1) TO ${literal(`${dir}/columns`)}`,
  ];
}

/** The collations of the cluster with their versions: name, provider, collversion, actual version. */
export function collationsSql(file: string): string {
  return `COPY (SELECT collname, collprovider, collversion, pg_collation_actual_version(oid) FROM pg_collation WHERE ${USABLE_COLLATIONS} ORDER BY collname) TO ${literal(file)}`;
}

/** Loads the corpus (id, string, in the probe) and makes the probe table. */
export function loadCorpusSql(file: string): string[] {
  return [
    'CREATE TABLE pgb_corpus (id int, s text, probe bool)',
    `COPY pgb_corpus FROM ${literal(file)}`,
    'CREATE TABLE pgb_probe AS SELECT id, s FROM pgb_corpus WHERE probe',
    'CREATE TABLE pgb_hash (collname name, ms float8, hash text, error text)',
  ];
}

/**
 * Hashes the order of the probe under every usable collation: the md5 of the ids in sorted order,
 * ties broken by id (nondeterministic collations). A collation that cannot sort records its error.
 */
export function hashProbeOrdersSql(): string {
  return `DO $$ DECLARE c record; h text; t timestamptz; BEGIN FOR c IN SELECT collname FROM pg_collation WHERE ${USABLE_COLLATIONS} LOOP t := clock_timestamp(); BEGIN EXECUTE format('SELECT md5(string_agg(id::text, %L ORDER BY s COLLATE pg_catalog.%I, id)) FROM pgb_probe', ',', c.collname) INTO h; INSERT INTO pgb_hash VALUES (c.collname, extract(epoch FROM clock_timestamp() - t) * 1000, h, NULL); EXCEPTION WHEN others THEN INSERT INTO pgb_hash VALUES (c.collname, NULL, NULL, SQLERRM); END; END LOOP; END $$`;
}

export function hashesOutSql(file: string): string {
  return `COPY (SELECT collname, ms, hash, error FROM pgb_hash) TO ${literal(file)}`;
}

/** The corpus ids in the order of one collation. */
export function orderSql(collname: string, file: string): string {
  return `COPY (SELECT id FROM pgb_corpus ORDER BY s COLLATE pg_catalog.${ident(collname)}, id) TO ${literal(file)}`;
}

/** A btree index on the corpus under one collation, named by `indexName`. */
export function createIndexSql(indexName: string, collname: string): string {
  return `CREATE INDEX ${ident(indexName)} ON pgb_corpus (s COLLATE pg_catalog.${ident(collname)})`;
}

/** amcheck on each index listed in `listFile`, by the server that runs it; results to `outFile`: index, error or NULL. */
export function amcheckSql(listFile: string, outFile: string): string[] {
  return [
    'CREATE EXTENSION IF NOT EXISTS amcheck',
    'CREATE TABLE pgb_amcheck_list (idx text)',
    `COPY pgb_amcheck_list FROM ${literal(listFile)}`,
    'CREATE TABLE pgb_amcheck (idx text, error text)',
    `DO $$ DECLARE c record; BEGIN FOR c IN SELECT idx FROM pgb_amcheck_list LOOP BEGIN PERFORM bt_index_check(quote_ident(c.idx)::regclass, heapallindexed => true); INSERT INTO pgb_amcheck VALUES (c.idx, NULL); EXCEPTION WHEN others THEN INSERT INTO pgb_amcheck VALUES (c.idx, SQLERRM); END; END LOOP; END $$`,
    `COPY pgb_amcheck TO ${literal(outFile)}`,
  ];
}
