import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { amcheckMissing } from '../../../src/compare/indexes';
import { readInput } from '../../../src/compare/input';
import { MemoryLogger } from '../../support/memory-logger';

const ACCESS = { log: new MemoryLogger() };

function toyBundle(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-compare-input-'));
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    writeFileSync(join(dir, f), '');
  }
  return dir;
}

describe('readInput', () => {
  it('takes a bundle directory with the majors that have initdb and postgres', async () => {
    const dir = toyBundle([
      'v15/bin/initdb',
      'v15/bin/postgres',
      'v16/bin/postgres',
      'v17/bin/initdb',
      'v17/bin/postgres',
    ]);
    const input = await readInput(dir, 'old', ACCESS);
    expect(input.majors).toEqual([15, 17]);
    expect(input.manifest).toBeUndefined();
  });

  it.each<[string, () => string | undefined, RegExp]>([
    [
      'a missing argument',
      () => undefined,
      /^compare needs two bundles: <old> <new> \(the new one is missing\)$/,
    ],
    ['a path that does not exist', () => '/nonexistent/pgb', /^new bundle \/nonexistent\/pgb does not exist/],
    [
      'a directory that is not a bundle',
      () => toyBundle(['README']),
      /is not a bundle directory: it has no vNN\/bin\/initdb/,
    ],
  ])('refuses %s in one line', async (_, arg, message) => {
    const err = await readInput(arg(), 'new', ACCESS).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });
});

describe('amcheckMissing', () => {
  it.each<[string, string[], string | undefined]>([
    [
      'amcheck linked in and its extension files',
      ['v15/lib/postgresql/amcheck.so', 'v15/share/postgresql/extension/amcheck.control'],
      undefined,
    ],
    [
      'no amcheck',
      ['v15/bin/postgres'],
      'v15/lib/postgresql/amcheck.so, v15/share/postgresql/extension/amcheck.control missing',
    ],
    [
      'no extension files',
      ['v15/lib/postgresql/amcheck.so'],
      'v15/share/postgresql/extension/amcheck.control missing',
    ],
  ])('%s', (_, files, why) => {
    const got = amcheckMissing(toyBundle(files), 15);
    if (why === undefined) expect(got).toBeUndefined();
    else expect(got).toContain(why);
  });
});
