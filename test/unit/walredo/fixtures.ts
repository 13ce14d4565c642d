import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseStoredVectors } from '../../support/stored-corpus';
import { ComparedVector } from '../../../src/walredo/corpus/vectors';
import { parseLsn } from '../../../src/walredo/wal/constants';

export const FIXTURES = join(__dirname, '../../fixtures/walredo');

export function walFixture(name: string): { dir: string; from: bigint; to: bigint; waldump: string } {
  const dir = join(FIXTURES, name);
  const range = JSON.parse(readFileSync(join(dir, 'range.json'), 'utf8')) as { from: string; to: string };
  return {
    dir,
    from: parseLsn(range.from),
    to: parseLsn(range.to),
    waldump: gunzipSync(readFileSync(join(dir, 'waldump.txt.gz'))).toString('utf8'),
  };
}

let cached: ComparedVector[] | undefined;
export function storedVectors(): ComparedVector[] {
  cached ??= parseStoredVectors(readFileSync(join(FIXTURES, 'vectors-v15.jsonl.gz'))).vectors;
  return cached;
}

export const STORED_VECTORS_FILE = join(FIXTURES, 'vectors-v15.jsonl.gz');
