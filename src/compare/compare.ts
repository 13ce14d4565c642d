/**
 * `compare`: what would change for the storage service if the old bundle were replaced by the new
 * one, measured per major both bundles have: collation order, the old server's indexes under the
 * new server, the catalog initdb writes, and walredo's pages.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errorMessage } from '../util/errors';
import { Logger } from '../util/logger';
import { IsolationMethod } from '../verify/sandbox';
import { compareCatalogs } from './catalog';
import { Cluster, initCluster, Side } from './cluster';
import { collationCorpus } from './collation-corpus';
import { CollationGroup } from './collation-order';
import { compareCollations } from './collations';
import { checkIndexes } from './indexes';
import { CompareInput } from './input';
import { CollationReport, compareReport, CompareReport, MajorComparison, Measured } from './report';
import { compareWalRedo } from './walredo-pages';

export interface CompareRequest {
  old: CompareInput;
  new: CompareInput;
  /** only these majors (default: every major either bundle has) */
  majors?: number[];
  method: IsolationMethod;
  log: Logger;
  corpusSize?: number;
}

const seconds = (since: number) => Math.round((Date.now() - since) / 100) / 10;

/** A stage's result, or "not measured" with the first line of why it failed. */
async function measure<T extends object>(
  what: string,
  log: Logger,
  stage: () => Promise<Measured<T>>,
): Promise<Measured<T>> {
  try {
    return await stage();
  } catch (err) {
    log.debug(`${what}: ${errorMessage(err)}`);
    return { measured: false, why: errorMessage(err).split('\n')[0] };
  }
}

const measured = async <T extends object>(p: Promise<T>): Promise<Measured<T>> => ({
  measured: true,
  ...(await p),
});

interface MajorWork {
  req: CompareRequest;
  major: number;
  corpus: string[];
  work: string;
}

type Made = { cluster: Cluster; control: Buffer };

async function initBoth(w: MajorWork): Promise<{ old: Made; new: Made }> {
  const init = (side: Side) => initCluster(w.req.method, w.req[side].dir, w.major, side, join(w.work, side));
  const [o, n] = await Promise.all([init('old'), init('new')]);
  return { old: o, new: n };
}

/** Collation order, then the indexes of the collations whose order changed (verdicts attached to them). */
async function collationsAndIndexes(
  w: MajorWork,
  clusters: { old: Cluster; new: Cluster },
): Promise<Pick<MajorComparison, 'collations' | 'indexes'>> {
  let groups: CollationGroup[] = [];
  const collations = await measure<CollationReport>('collations', w.req.log, async () => {
    const { report, changedGroups } = await compareCollations(clusters, w.corpus);
    groups = changedGroups;
    return { measured: true, ...report };
  });
  if (!collations.measured)
    return { collations, indexes: { measured: false, why: 'collation order was not measured' } };
  const indexes = await measure('indexes', w.req.log, async () => {
    const { report, verdicts } = await checkIndexes(
      w.req.method,
      clusters.old,
      w.req.new.dir,
      groups,
      join(w.work, 'adopted'),
    );
    verdicts.forEach((v, i) => (collations.changed[i].index = { corrupt: v.corrupt, detail: v.detail }));
    return report;
  });
  return { collations, indexes };
}

async function compareMajor(w: MajorWork): Promise<MajorComparison> {
  const started = Date.now();
  const { req, major } = w;
  let made: { old: Made; new: Made };
  try {
    made = await initBoth(w);
  } catch (err) {
    const no = { measured: false as const, why: errorMessage(err).split('\n')[0] };
    return { major, presence: 'both', collations: no, indexes: no, catalog: no, walredo: no };
  }
  const clusters = { old: made.old.cluster, new: made.new.cluster };
  const controls = { old: made.old.control, new: made.new.control };
  const catalog = await measure('catalog', req.log, () => measured(compareCatalogs(clusters, controls)));
  const { collations, indexes } = await collationsAndIndexes(w, clusters);
  const preload = req.old.manifest?.versions[String(major)]?.walredo?.preload;
  const dirs = { old: req.old.dir, new: req.new.dir };
  const walredo = await measure('walredo', req.log, () => compareWalRedo(dirs, major, preload, req.log));
  return { major, presence: 'both', catalog, collations, indexes, walredo, seconds: seconds(started) };
}

/** The majors to compare: those asked for, else every major either side has. */
export function majorsToCompare(old: number[], neu: number[], asked?: number[]): number[] {
  return asked ?? [...new Set([...old, ...neu])].sort((a, b) => a - b);
}

export async function compareBundles(req: CompareRequest): Promise<CompareReport> {
  const corpus = collationCorpus(req.corpusSize);
  const work = mkdtempSync(join(tmpdir(), 'pg-bundle-compare-'));
  chmodSync(work, 0o755); // unisolated runs as root drop to an unprivileged user that must reach it
  const majors: MajorComparison[] = [];
  try {
    for (const major of majorsToCompare(req.old.majors, req.new.majors, req.majors)) {
      const inOld = req.old.majors.includes(major);
      const inNew = req.new.majors.includes(major);
      if (!inOld || !inNew) {
        majors.push({ major, presence: inOld ? 'only in old' : 'only in new' });
        continue;
      }
      const w = { req, major, corpus, work: join(work, `v${major}`) };
      majors.push(await req.log.step(`compare v${major}`, () => compareMajor(w)));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return compareReport(req.old.label, req.new.label, majors);
}
