/** The walredo stage's findings about its corpus, and its verdict, into the report (pure). */
import { Corpus } from '../corpus/corpus';
import { countFor, WalRedoReport } from './report';

/** What the corpus skipped (and why), and where it came from, into the report. */
export function recordCorpus(report: WalRedoReport, corpus: Corpus): void {
  const stats = corpus.stats;
  for (const [rmgr, n] of Object.entries(stats.skippedByRmgr)) {
    countFor(report, rmgr).skipped += n;
    report.vectors.skipped += n;
  }
  report.vectors.skippedReasons = {
    ...stats.skippedBlocks,
    ...Object.fromEntries(
      Object.entries(stats.serviceApplied).map(([k, v]) => [
        `${k} records (applied by the storage service)`,
        v,
      ]),
    ),
  };
  report.corpus = { source: corpus.source, records: stats.records, walStop: corpus.walStop() };
}

/** The stage's verdict from the protocol tests and the vectors. */
export function conclude(report: WalRedoReport): void {
  const rmgrs = Object.values(report.vectors.byRmgr).filter((c) => c.passed + c.failed > 0).length;
  const cross = report.crossPages;
  if (report.protocol.failed > 0 || report.vectors.failed > 0) {
    report.status = 'fail';
    report.message = `${report.protocol.failed} protocol tests and ${report.vectors.failed} vectors failed`;
  } else if (cross && (cross.differing > 0 || cross.compared === 0 || cross.unmatched > 0)) {
    report.status = 'fail';
    report.message = `${cross.differing} of ${cross.compared} pages differ from the ${cross.comparedWith} walredo's answers to the same requests${cross.unmatched ? `, and ${cross.unmatched} vectors got no answer from it to compare (${cross.otherFailed ?? 0} failed there)` : ''} (first differing: ${cross.firstDiffering.map((d) => `vector ${d.vector} (${d.rmgr})`).join(', ') || 'none'})`;
  } else if (report.vectors.passed === 0) {
    report.status = 'fail';
    report.message = 'the corpus gave no vectors';
  } else {
    report.message = `${report.vectors.passed} vectors over ${rmgrs} resource managers passed${cross ? `; every page equal to the ${cross.comparedWith} walredo's answer (${cross.identical} identical, ${cross.equalMasked} after masking)` : ''}`;
  }
}
