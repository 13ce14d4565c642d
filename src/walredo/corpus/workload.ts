/**
 * The SQL workload run against the private server. Each step exercises one resource manager's
 * redo paths; `scale` multiplies row counts (1 gives a corpus of a few thousand vectors).
 */
export interface WorkloadStep {
  name: string;
  sql: string;
}

/**
 * Statements of a step, one per query: a line ending in ";" ends a query (a simple query with
 * several statements runs as one transaction, where VACUUM is not allowed).
 */
export function stepQueries(step: WorkloadStep): string[] {
  return step.sql
    .split(/;[ \t]*\n/)
    .map((q) => q.trim())
    .filter((q) => q !== '' && q !== ';');
}

/**
 * Steps for modules the server preloads (walredo's --walredo-preload), by module name: records of
 * their custom resource managers. Each works on a relation nothing else reads and drops it.
 */
const PRELOAD_STEPS: Readonly<Record<string, (n: (k: number) => number) => WorkloadStep>> = {
  // test/fixtures/modules/pgb_test_rmgr: one record per call, a new page (WILL_INIT) when full
  pgb_test_rmgr: (n) => ({
    name: 'custom resource manager pgb_test_rmgr (id 134): appends to pages through block references',
    sql: `
        CREATE FUNCTION pgb_test_rmgr_append(regclass, text) RETURNS int4
          AS 'pgb_test_rmgr', 'pgb_test_rmgr_append' LANGUAGE C STRICT;
        CREATE TABLE t_rmgr (id int);
        SELECT count(pgb_test_rmgr_append('t_rmgr', repeat(chr(97 + g % 26), 20 + (g * 37) % 700)))
          FROM generate_series(1, ${n(1600)}) g;
        DROP TABLE t_rmgr;
        DROP FUNCTION pgb_test_rmgr_append(regclass, text);`,
  }),
};

/** Workload steps of the preloaded modules pg-bundle knows; others are only loaded (pure). */
export function preloadSteps(preload: readonly string[], scale: number): WorkloadStep[] {
  const n = (k: number) => Math.max(1, Math.round(k * scale));
  return preload.flatMap((m) => (PRELOAD_STEPS[m] ? [PRELOAD_STEPS[m](n)] : []));
}

/** A step of the workload: its SQL for a row-count function `n` (scale applied) and the COPY file. */
interface StepTable {
  name: string;
  sql: (n: (k: number) => number, copyFile: string) => string;
}

/** The workload, one step per resource manager's redo paths (heap, btree, hash, gin, gist, ...). */
const WORKLOAD: readonly StepTable[] = [
  {
    name: 'heap: insert, HOT and non-HOT update, delete, lock',
    sql: (n) => `
        CREATE TABLE t_heap (id int PRIMARY KEY, v int, s text);
        INSERT INTO t_heap SELECT g, g % 100, repeat('x', g % 60) FROM generate_series(1, ${n(1500)}) g;
        UPDATE t_heap SET v = v + 1 WHERE id % 7 = 0;
        UPDATE t_heap SET id = id + 1000000 WHERE id % 97 = 0;
        DELETE FROM t_heap WHERE id % 11 = 0;
        BEGIN; SELECT count(*) FROM (SELECT * FROM t_heap WHERE id < 60 FOR UPDATE) x; COMMIT;
        BEGIN; SELECT count(*) FROM (SELECT * FROM t_heap WHERE id BETWEEN 60 AND 90 FOR KEY SHARE) x; COMMIT;`,
  },
  {
    name: 'heap: vacuum, freeze, visibility map, truncate',
    sql: (n) => `
        VACUUM t_heap;
        UPDATE t_heap SET s = s || 'y' WHERE id % 13 = 0;
        VACUUM (FREEZE) t_heap;
        DELETE FROM t_heap WHERE id > ${n(1200)};
        VACUUM t_heap;
        CREATE TABLE t_trunc AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, ${n(300)}) g;
        TRUNCATE t_trunc;
        INSERT INTO t_trunc SELECT g, md5(g::text) FROM generate_series(1, ${n(100)}) g;`,
  },
  {
    name: 'heap2: multi-insert (COPY), prune',
    sql: (_n, copyFile) => `
        CREATE TABLE t_copy (id int, t text);
        COPY t_copy FROM '${copyFile}';
        UPDATE t_copy SET t = t || '!' WHERE id % 3 = 0;
        UPDATE t_copy SET t = t || '?' WHERE id % 3 = 0;
        SELECT count(*) FROM t_copy;
        VACUUM t_copy;`,
  },
  {
    name: 'large values (toast) and multi-page records',
    sql: (n) => `
        CREATE TABLE t_toast (id int PRIMARY KEY, big text);
        ALTER TABLE t_toast ALTER COLUMN big SET STORAGE EXTERNAL;
        INSERT INTO t_toast SELECT g, (SELECT string_agg(md5((g * 1000 + i)::text), '') FROM generate_series(1, 400) i)
          FROM generate_series(1, ${n(40)}) g;
        UPDATE t_toast SET big = big || 'tail' WHERE id % 4 = 0;
        DELETE FROM t_toast WHERE id % 5 = 0;
        SELECT pg_logical_emit_message(true, 'pg-bundle', repeat('m', 100000));`,
  },
  {
    name: 'btree: build, inserts with splits, deletes, vacuum with page deletion',
    sql: (n) => `
        CREATE TABLE t_bt (k int, t text);
        CREATE INDEX t_bt_k ON t_bt (k);
        CREATE INDEX t_bt_t ON t_bt (t);
        INSERT INTO t_bt SELECT (g * 7919) % ${n(2000)}, md5(g::text) FROM generate_series(1, ${n(2000)}) g;
        DELETE FROM t_bt WHERE k < ${n(1500)};
        VACUUM t_bt;
        INSERT INTO t_bt SELECT g, md5(g::text) FROM generate_series(1, ${n(200)}) g;
        UPDATE t_bt SET t = t || 'u' WHERE k % 10 = 0;
        SELECT count(*) FROM t_bt WHERE t > 'a';`,
  },
  {
    name: 'hash index: inserts with splits and overflow pages, delete, vacuum',
    sql: (n) => `
        CREATE TABLE t_hash (k int);
        CREATE INDEX t_hash_k ON t_hash USING hash (k);
        INSERT INTO t_hash SELECT g % ${n(400)} FROM generate_series(1, ${n(2500)}) g;
        DELETE FROM t_hash WHERE k % 3 = 0;
        VACUUM t_hash;
        INSERT INTO t_hash SELECT g FROM generate_series(1, ${n(300)}) g;`,
  },
  {
    name: 'gin: fast update (pending list) and direct inserts, vacuum',
    sql: (n) => `
        CREATE TABLE t_gin (id int, a int[], d tsvector);
        INSERT INTO t_gin SELECT g, ARRAY[g % 50, g % 7, g], to_tsvector('simple', 'w' || (g % 30) || ' z' || (g % 11))
          FROM generate_series(1, ${n(300)}) g;
        CREATE INDEX t_gin_a ON t_gin USING gin (a) WITH (fastupdate = off);
        CREATE INDEX t_gin_d ON t_gin USING gin (d) WITH (fastupdate = on, gin_pending_list_limit = 64);
        INSERT INTO t_gin SELECT g, ARRAY[g % 50, g % 13, g], to_tsvector('simple', 'w' || (g % 30) || ' q' || (g % 17))
          FROM generate_series(${n(300) + 1}, ${n(900)}) g;
        DELETE FROM t_gin WHERE id % 4 = 0;
        VACUUM t_gin;`,
  },
  {
    name: 'gist: inserts with splits, delete, vacuum',
    sql: (n) => `
        CREATE TABLE t_gist (id int, p point, r int4range);
        CREATE INDEX t_gist_p ON t_gist USING gist (p);
        CREATE INDEX t_gist_r ON t_gist USING gist (r);
        INSERT INTO t_gist SELECT g, point(g % 97, g % 89), int4range(g, g + 10) FROM generate_series(1, ${n(1200)}) g;
        DELETE FROM t_gist WHERE id % 3 = 0;
        VACUUM t_gist;
        INSERT INTO t_gist SELECT g, point(g, -g), int4range(g, g + 2) FROM generate_series(1, ${n(200)}) g;`,
  },
  {
    name: 'spgist: quad tree and radix tree, delete, vacuum',
    sql: (n) => `
        CREATE TABLE t_spg (id int, p point, t text);
        CREATE INDEX t_spg_p ON t_spg USING spgist (p);
        CREATE INDEX t_spg_t ON t_spg USING spgist (t);
        INSERT INTO t_spg SELECT g, point(g % 113, g % 71), 'k' || md5((g % 500)::text) FROM generate_series(1, ${n(1200)}) g;
        DELETE FROM t_spg WHERE id % 4 = 0;
        VACUUM t_spg;
        INSERT INTO t_spg SELECT g, point(-g, g), 'z' || g FROM generate_series(1, ${n(200)}) g;`,
  },
  {
    name: 'brin: build, inserts, summarize, desummarize',
    sql: (n) => `
        CREATE TABLE t_brin (id int, v int);
        INSERT INTO t_brin SELECT g, g % 1000 FROM generate_series(1, ${n(3000)}) g;
        CREATE INDEX t_brin_id ON t_brin USING brin (id) WITH (pages_per_range = 1);
        INSERT INTO t_brin SELECT g, g FROM generate_series(${n(3000) + 1}, ${n(5000)}) g;
        SELECT brin_summarize_new_values('t_brin_id');
        UPDATE t_brin SET v = -v WHERE id % 50 = 0;
        SELECT brin_desummarize_range('t_brin_id', 0);
        SELECT brin_summarize_range('t_brin_id', 0);
        VACUUM t_brin;`,
  },
  {
    name: 'sequences',
    sql: (n) => `
        CREATE SEQUENCE s1;
        CREATE SEQUENCE s2 INCREMENT BY 5 CACHE 1;
        SELECT count(nextval('s1')) FROM generate_series(1, ${n(2000)});
        SELECT count(nextval('s2')) FROM generate_series(1, ${n(50)});
        SELECT setval('s1', 42);
        ALTER SEQUENCE s2 RESTART WITH 7;
        SELECT nextval('s2');`,
  },
];

/**
 * `copyFile` is a server-readable file path for COPY FROM (a heap multi-insert); `preload` the
 * modules the server loads through shared_preload_libraries.
 */
export function workloadSteps(
  scale: number,
  copyFile: string,
  preload: readonly string[] = [],
): WorkloadStep[] {
  const n = (k: number) => Math.max(1, Math.round(k * scale));
  return [
    ...WORKLOAD.map((step) => ({ name: step.name, sql: step.sql(n, copyFile) })),
    ...preloadSteps(preload, scale),
  ];
}

/** Rows for the COPY step, as COPY text format. */
export function copyFileContents(scale: number): string {
  const rows = Math.max(1, Math.round(1500 * scale));
  const lines: string[] = [];
  for (let i = 1; i <= rows; i++) lines.push(`${i}\trow ${i} ${'c'.repeat(i % 40)}`);
  return lines.join('\n') + '\n';
}
