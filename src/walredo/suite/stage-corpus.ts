/**
 * The corpus of the walredo stage: --wal's sample (refused when this walredo would replay it
 * wrongly), a corpus the caller made (tests: a stored one), or WAL the bundle's own server writes.
 */
import { Corpus, DEFAULT_CORPUS_SCALE, generateCorpus, walSampleCorpus } from '../corpus/corpus';
import { measureServerWal, needsServerWal, refuseSample, ServerWal } from '../wal-sample';
import { WalRedoStageOptions } from './options';
import { WalRedoReport } from './report';

/**
 * --wal's sample into the report, with the WAL the bundle's server writes measured when the
 * sample's dialect needs it; `refused`: why this walredo must not replay it (the stage's failure).
 */
export async function admitWalSample(
  report: WalRedoReport,
  binDir: string,
  major: number,
  options: WalRedoStageOptions,
): Promise<{ server?: ServerWal; refused?: string }> {
  const sample = options.walSample;
  if (!sample) return {};
  const walredo = { mode: options.mode ?? 'builtin', preload: options.preload };
  let server: ServerWal | undefined;
  if (needsServerWal(sample.facts, walredo)) {
    server = await measureServerWal(binDir, major, options.preload ?? []);
    options.log?.info(`walredo: the bundle's own server writes ${server.dialect.summary}`);
  }
  report.walSample = {
    dir: sample.dir,
    records: sample.facts.records,
    dialect: sample.facts.dialect.summary,
    stop: sample.facts.stop,
    ...(server ? { server: server.dialect.summary } : {}),
  };
  // also when the caller checked the sample before (checkWalSample): here with the server measured
  const refused = refuseSample(sample.facts, sample.dir, walredo, server);
  return { server, refused: refused && `${refused.problem}; ${refused.fix}` };
}

/** The vectors the stage runs: from --wal's sample, the caller's corpus, or generated WAL. */
export async function stageCorpus(
  binDir: string,
  major: number,
  options: WalRedoStageOptions,
  server: ServerWal | undefined,
): Promise<Corpus> {
  if (options.walSample)
    return walSampleCorpus(options.walSample.dir, options.walSample.facts.wal, {
      customRmgrs: server?.registered ?? {},
      tcidHeap: options.walSample.facts.dialect.kind === 'fork-tcid',
    });
  if (options.corpus) return options.corpus;
  return generateCorpus({
    binDir,
    major,
    scale: options.scale ?? DEFAULT_CORPUS_SCALE,
    log: options.log,
    preload: options.preload,
  });
}
