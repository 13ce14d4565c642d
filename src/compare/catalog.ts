/**
 * The catalog stage: every table of pg_catalog and information_schema of both fresh clusters written out by a single-user
 * backend (before anything else touches them) and compared row by row, and the pg_control fields
 * initdb left (catalog-diff.ts masks what depends on host or time).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePgControl } from '../verify/pg-control';
import { catalogDifferences, CatalogTable, controlDifferences } from './catalog-diff';
import { Cluster, outputDir } from './cluster';
import { CatalogReport } from './report';
import { copyRows, dumpCatalogSql } from './sql';

const KEPT_DIFFERENCES = 200;

async function dumpCatalog(cluster: Cluster): Promise<Map<string, CatalogTable>> {
  const dir = outputDir(cluster, 'catalog');
  await cluster.run(dumpCatalogSql(dir));
  const host = join(cluster.inout, 'catalog');
  const columns = new Map(
    copyRows(readFileSync(join(host, 'columns'), 'utf8')).map(([t, c]) => [t!, c!.split(',')]),
  );
  const tables = new Map<string, CatalogTable>();
  for (const file of readdirSync(host)
    .filter((f) => f.endsWith('.txt'))
    .sort()) {
    const table = file.slice(0, -'.txt'.length);
    const rows = readFileSync(join(host, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    tables.set(table, { columns: columns.get(table) ?? [], rows });
  }
  return tables;
}

export async function compareCatalogs(
  clusters: { old: Cluster; new: Cluster },
  controls: { old: Buffer; new: Buffer },
): Promise<CatalogReport> {
  const [a, b] = await Promise.all([dumpCatalog(clusters.old), dumpCatalog(clusters.new)]);
  const major = clusters.old.major;
  const differences = catalogDifferences(a, b);
  const byTable: Record<string, number> = {};
  for (const d of differences) byTable[d.table] = (byTable[d.table] ?? 0) + 1;
  return {
    tables: new Set([...a.keys(), ...b.keys()]).size,
    rows: [...a.values()].reduce((n, t) => n + t.rows.length, 0),
    differences: differences.slice(0, KEPT_DIFFERENCES),
    differenceCount: differences.length,
    byTable,
    control: controlDifferences(parsePgControl(controls.old, major), parsePgControl(controls.new, major)),
  };
}
