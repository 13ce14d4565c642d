/**
 * The index stage: for each collation group whose order changed, the old server builds a btree index
 * on the corpus under the group's collation; the new server opens a copy of that cluster and checks
 * every such index with amcheck (bt_index_check with heapallindexed). Same major only.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { IsolationMethod } from '../verify/sandbox';
import { adoptCluster, Cluster } from './cluster';
import { CollationGroup } from './collation-order';
import { IndexReport, Measured } from './report';
import { amcheckSql, copyField, copyRows, createIndexSql } from './sql';

/** Why amcheck cannot run under a bundle's version, or undefined when it can. */
export function amcheckMissing(bundleDir: string, major: number): string | undefined {
  const root = join(bundleDir, `v${major}`);
  const needed = ['lib/postgresql/amcheck.so', 'share/postgresql/extension/amcheck.control'];
  const missing = needed.filter((f) => !existsSync(join(root, f)));
  return missing.length
    ? `the new bundle has no amcheck (v${major}/${missing.join(`, v${major}/`)} missing): build it with contrib/amcheck linked in`
    : undefined;
}

export const indexName = (i: number) => `pgb_idx_${i}`;

export interface IndexVerdict {
  collation: string;
  corrupt: boolean;
  detail: string;
}

/**
 * Builds the indexes with the old server, checks them with the new one; `verdicts` follow
 * `groups`' order.
 */
export async function checkIndexes(
  method: IsolationMethod,
  old: Cluster,
  newBundleDir: string,
  groups: CollationGroup[],
  workDir: string,
): Promise<{ report: Measured<IndexReport>; verdicts: IndexVerdict[] }> {
  const started = Date.now();
  if (groups.length === 0)
    return { report: { measured: true, checked: 0, corrupt: 0, seconds: 0 }, verdicts: [] };
  const missing = amcheckMissing(newBundleDir, old.major);
  if (missing) return { report: { measured: false, why: missing }, verdicts: [] };
  await old.run(groups.map((g, i) => createIndexSql(indexName(i), g.representative)));
  const adopted = await adoptCluster(method, old, newBundleDir, workDir);
  adopted.put('indexes.txt', groups.map((_, i) => `${copyField(indexName(i))}\n`).join(''));
  await adopted.run(amcheckSql(adopted.backendPath('indexes.txt'), adopted.backendPath('amcheck.txt')));
  const errors = new Map(copyRows(adopted.take('amcheck.txt')).map(([idx, error]) => [idx!, error]));
  const verdicts = groups.map((g, i): IndexVerdict => {
    const error = errors.get(indexName(i));
    if (error === undefined)
      return { collation: g.representative, corrupt: false, detail: 'not checked: amcheck gave no result' };
    return error === null
      ? { collation: g.representative, corrupt: false, detail: 'bt_index_check found nothing' }
      : { collation: g.representative, corrupt: true, detail: error };
  });
  return {
    report: {
      measured: true,
      checked: verdicts.length,
      corrupt: verdicts.filter((v) => v.corrupt).length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    },
    verdicts,
  };
}
