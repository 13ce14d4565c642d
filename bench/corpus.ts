/** The redo requests the throughput benchmark replays: the conformance corpus, generated with the bundle's own server. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus } from '../src/walredo/corpus/corpus';
import { loadStoredCorpus } from '../test/support/stored-corpus';
import { RedoVector } from '../src/walredo/corpus/vectors';
import { Logger } from '../src/util/logger';
import { packageRoot } from '../src/util/package-root';

export interface LoadCorpusInput {
  major: number;
  /** bin/ of a bundle whose initdb and postgres run without any environment (the static one) */
  binDir: string;
  scale: number;
  /** a stored corpus file instead of generating one */
  stored?: string;
  log: Logger;
}

export async function loadCorpusVectors(
  input: LoadCorpusInput,
): Promise<{ source: string; vectors: RedoVector[] }> {
  if (input.stored) {
    const c = loadStoredCorpus(input.stored);
    return { source: c.source, vectors: Array.from(c.vectors()) };
  }
  try {
    const c = await generateCorpus({
      binDir: input.binDir,
      major: input.major,
      scale: input.scale,
      log: input.log,
    });
    try {
      const vectors = Array.from(c.vectors());
      return { source: `${c.source}, scale ${input.scale}`, vectors };
    } finally {
      c.dispose();
    }
  } catch (e) {
    const fixture = join(packageRoot(), 'test', 'fixtures', 'walredo', `vectors-v${input.major}.jsonl.gz`);
    if (!existsSync(fixture)) throw e;
    input.log.warn(`corpus generation failed (${(e as Error).message.split('\n')[0]}); using ${fixture}`);
    const c = loadStoredCorpus(fixture);
    return { source: `${c.source} (generation failed)`, vectors: Array.from(c.vectors()) };
  }
}
