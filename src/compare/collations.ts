/**
 * The collation stage: the corpus loaded once per cluster (COPY), every collation sorts the probe,
 * and one collation per group (collation-order.ts) sorts the whole corpus on each side; its order
 * comes back as corpus ids (COPY) and the two sides' orders are compared here.
 */
import { Cluster } from './cluster';
import {
  CollationGroup,
  CollationInfo,
  groupByProbe,
  hashState,
  OrderHash,
  orderChange,
  probeOf,
} from './collation-order';
import { ChangedCollation, CollationReport } from './report';
import {
  collationsSql,
  copyField,
  copyRows,
  hashesOutSql,
  hashProbeOrdersSql,
  loadCorpusSql,
  orderSql,
} from './sql';

type Pair<T> = { old: T; new: T };
type Hashes = Pair<Map<string, OrderHash>>;

/** Runs the same step on both clusters at once (two cores: one backend each). */
export async function onBoth<T>(c: Pair<Cluster>, step: (cluster: Cluster) => Promise<T>): Promise<Pair<T>> {
  const [o, n] = await Promise.all([step(c.old), step(c.new)]);
  return { old: o, new: n };
}

function readCollations(cluster: Cluster): Map<string, CollationInfo> {
  const rows = copyRows(cluster.take('collations.txt'));
  return new Map(
    rows.map(([name, provider, collversion, actualVersion]) => [
      name!,
      { name: name!, provider: provider!, collversion, actualVersion },
    ]),
  );
}

function readHashes(cluster: Cluster, file: string): Map<string, OrderHash> {
  return new Map(
    copyRows(cluster.take(file)).map(([name, ms, hash, error]) => [
      name!,
      { name: name!, ms: ms === null ? null : Number(ms), hash, error },
    ]),
  );
}

/** Loads the corpus, lists the collations and hashes every probe order. */
async function probe(cluster: Cluster, corpusText: string) {
  cluster.put('corpus.txt', corpusText);
  await cluster.run([
    ...loadCorpusSql(cluster.backendPath('corpus.txt')),
    collationsSql(cluster.backendPath('collations.txt')),
    hashProbeOrdersSql(),
    hashesOutSql(cluster.backendPath('probe.txt')),
  ]);
  return { collations: readCollations(cluster), probe: readHashes(cluster, 'probe.txt') };
}

/** Writes the corpus ids in each collation's order to order-<i>.txt. */
async function writeOrders(cluster: Cluster, names: string[]): Promise<void> {
  await cluster.run(names.map((n, i) => orderSql(n, cluster.backendPath(`order-${i}.txt`))));
}

export function corpusCopyText(corpus: readonly string[], probe: readonly boolean[]): string {
  return corpus.map((s, id) => `${id}\t${copyField(s)}\t${probe[id] ? 't' : 'f'}\n`).join('');
}

/**
 * Whether a group's order differs: by its whole-corpus orders when both sides could sort them
 * (`sameOrder`), else by what the probe says (an error on one side, or different errors).
 */
export function groupChanged(g: CollationGroup, probe: Hashes, sameOrder: boolean | undefined): boolean {
  if (sameOrder !== undefined) return !sameOrder;
  return hashState(probe.old.get(g.representative)) !== hashState(probe.new.get(g.representative));
}

/** Errors of collations that could not sort, per side. */
function sortErrors(probe: Hashes): string[] {
  return (['old', 'new'] as const).flatMap((side) =>
    [...probe[side].values()].filter((h) => h.error !== null).map((h) => `${side} ${h.name}: ${h.error}`),
  );
}

/** The changed groups, with what moved, from the orders written by writeOrders (read one at a time). */
function changesOf(
  clusters: Pair<Cluster>,
  groups: CollationGroup[],
  sortable: CollationGroup[],
  probes: Hashes,
  corpus: readonly string[],
): Array<{ group: CollationGroup; moved: number; examples: ChangedCollation['examples'] }> {
  const out: Array<{ group: CollationGroup; moved: number; examples: ChangedCollation['examples'] }> = [];
  for (const g of groups) {
    const i = sortable.indexOf(g);
    const texts =
      i < 0
        ? undefined
        : { old: clusters.old.take(`order-${i}.txt`), new: clusters.new.take(`order-${i}.txt`) };
    if (!groupChanged(g, probes, texts && texts.old === texts.new)) continue;
    const ids = (text: string) => text.trimEnd().split('\n').map(Number);
    const change = texts
      ? orderChange(ids(texts.old), ids(texts.new), (id) => corpus[id])
      : { moved: 0, examples: [] };
    out.push({ group: g, ...change });
  }
  return out;
}

/** Compares the order of the corpus under every collation of the two clusters. */
export async function compareCollations(
  clusters: Pair<Cluster>,
  corpus: readonly string[],
): Promise<{ report: CollationReport; changedGroups: CollationGroup[] }> {
  const started = Date.now();
  const probeSet = probeOf(corpus);
  const probed = await onBoth(clusters, (c) => probe(c, corpusCopyText(corpus, probeSet)));
  const probes = { old: probed.old.probe, new: probed.new.probe };
  const groups = groupByProbe(probes.old, probes.new);
  const sortable = groups.filter(
    (g) => probes.old.get(g.representative)?.hash && probes.new.get(g.representative)?.hash,
  );
  await onBoth(clusters, (c) =>
    writeOrders(
      c,
      sortable.map((g) => g.representative),
    ),
  );
  const changes = changesOf(clusters, groups, sortable, probes, corpus);
  const info = (side: 'old' | 'new', g: CollationGroup) => probed[side].collations.get(g.representative)!;
  const changed = changes.map(({ group: g, moved, examples }): ChangedCollation => ({
    collations: [g.representative, ...g.members.filter((m) => m !== g.representative)],
    old: info('old', g),
    new: info('new', g),
    moved,
    examples,
  }));
  const names = (a: Map<string, unknown>, b: Map<string, unknown>) => [...a.keys()].filter((n) => !b.has(n));
  const report: CollationReport = {
    corpusStrings: corpus.length,
    probeStrings: probeSet.filter(Boolean).length,
    compared: groups.reduce((n, g) => n + g.members.length, 0),
    groups: groups.length,
    fullSorts: sortable.length,
    onlyInOld: names(probed.old.collations, probed.new.collations),
    onlyInNew: names(probed.new.collations, probed.old.collations),
    changed,
    errors: sortErrors(probes),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  return { report, changedGroups: changes.map((c) => c.group) };
}
