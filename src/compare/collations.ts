/**
 * The collation stage: the corpus loaded once per cluster (COPY), every collation sorts the probe,
 * one collation per group sorts the whole corpus (collation-order.ts), and the groups whose order
 * differs are dumped in full on both sides to count what moved.
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
  hashOrdersSql,
  loadCorpusSql,
  orderSql,
  wantedSql,
} from './sql';

type Pair<T> = { old: T; new: T };

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
    hashOrdersSql('probe', 'pgb_probe', 'all'),
    hashesOutSql('probe', cluster.backendPath('probe.txt')),
  ]);
  return { collations: readCollations(cluster), probe: readHashes(cluster, 'probe.txt') };
}

/** Hashes the whole corpus under each group's representative. */
async function fullSorts(cluster: Cluster, groups: CollationGroup[]) {
  cluster.put('wanted.txt', groups.map((g) => `${copyField(g.representative)}\n`).join(''));
  await cluster.run([
    ...wantedSql(cluster.backendPath('wanted.txt')),
    hashOrdersSql('full', 'pgb_corpus', 'wanted'),
    hashesOutSql('full', cluster.backendPath('full.txt')),
  ]);
  return readHashes(cluster, 'full.txt');
}

/** The corpus ids in each collation's order. */
async function orders(cluster: Cluster, names: string[]): Promise<number[][]> {
  await cluster.run(names.map((n, i) => orderSql(n, cluster.backendPath(`order-${i}.txt`))));
  return names.map((_, i) => cluster.take(`order-${i}.txt`).trimEnd().split('\n').map(Number));
}

export function corpusCopyText(corpus: readonly string[], probe: readonly boolean[]): string {
  return corpus.map((s, id) => `${id}\t${copyField(s)}\t${probe[id] ? 't' : 'f'}\n`).join('');
}

type Hashes = Pair<Map<string, OrderHash>>;

/**
 * The groups whose order differs: a group whose probe order already differs has changed; the
 * others sorted the whole corpus (`full`) to find out.
 */
export function changedGroupsOf(groups: CollationGroup[], probe: Hashes, full: Hashes): CollationGroup[] {
  const state = (side: 'old' | 'new', name: string) =>
    hashState(full[side].get(name) ?? probe[side].get(name));
  return groups.filter((g) => state('old', g.representative) !== state('new', g.representative));
}

/** Errors of collations that could not sort, per side. */
function sortErrors(probe: Hashes, full: Hashes): string[] {
  return (['old', 'new'] as const).flatMap((side) =>
    [...probe[side].values(), ...full[side].values()]
      .filter((h) => h.error !== null)
      .map((h) => `${side} ${h.name}: ${h.error}`),
  );
}

/** Compares the order of the corpus under every collation of the two clusters. */
export async function compareCollations(
  clusters: Pair<Cluster>,
  corpus: readonly string[],
): Promise<{ report: CollationReport; changedGroups: CollationGroup[] }> {
  const started = Date.now();
  const probeSet = probeOf(corpus);
  const text = corpusCopyText(corpus, probeSet);
  const probed = await onBoth(clusters, (c) => probe(c, text));
  const probes = { old: probed.old.probe, new: probed.new.probe };
  const groups = groupByProbe(probes.old, probes.new);
  const sameProbe = groups.filter(
    (g) => hashState(probes.old.get(g.representative)) === hashState(probes.new.get(g.representative)),
  );
  const full = await onBoth(clusters, (c) => fullSorts(c, sameProbe));
  const changedGroups = changedGroupsOf(groups, probes, full);
  const sortable = changedGroups.filter((g) =>
    (['old', 'new'] as const).every(
      (side) => (full[side].get(g.representative) ?? probes[side].get(g.representative))?.hash,
    ),
  );
  const dumped = await onBoth(clusters, (c) =>
    orders(
      c,
      sortable.map((g) => g.representative),
    ),
  );
  const changed = changedGroups.map((g): ChangedCollation => {
    const i = sortable.indexOf(g);
    const change =
      i >= 0 ? orderChange(dumped.old[i], dumped.new[i], (id) => corpus[id]) : { moved: 0, examples: [] };
    const info = (side: 'old' | 'new') => probed[side].collations.get(g.representative)!;
    const collations = [g.representative, ...g.members.filter((m) => m !== g.representative)];
    return { collations, old: info('old'), new: info('new'), ...change };
  });
  const names = (a: Map<string, unknown>, b: Map<string, unknown>) => [...a.keys()].filter((n) => !b.has(n));
  const report: CollationReport = {
    corpusStrings: corpus.length,
    probeStrings: probeSet.filter(Boolean).length,
    compared: groups.reduce((n, g) => n + g.members.length, 0),
    groups: groups.length,
    fullSorts: sameProbe.length + sortable.length,
    onlyInOld: names(probed.old.collations, probed.new.collations),
    onlyInNew: names(probed.new.collations, probed.old.collations),
    changed,
    errors: sortErrors(probes, full),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
  return { report, changedGroups };
}
