/**
 * Test helper: a small bundle directory made of real programs compiled by gcc. Its `initdb` is a
 * static program that fails the way a broken initdb does (it is not a PostgreSQL initdb), so the
 * unit tests can exercise every check's failure path without a PostgreSQL build.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { listBundleFiles } from '../../../src/core/bundle-files';
import { emptyManifest, Manifest, VersionManifest } from '../../../src/core/manifest';
import { compileC } from './gcc';

export const BROKEN_INITDB = `
#include <stdio.h>
int main(void) {
  fputs("initdb: error: file \\"/bundle/v15/share/postgresql/postgres.bki\\" does not exist\\n", stderr);
  fputs("initdb: detail: This might mean you have a corrupted installation.\\n", stderr);
  return 1;
}
`;

export async function makeToyBundle(root: string, major = 15): Promise<Manifest> {
  const v = `v${major}`;
  const bin = join(root, v, 'bin');
  mkdirSync(bin, { recursive: true });
  mkdirSync(join(root, v, 'share/postgresql'), { recursive: true });
  compileC(bin, 'initdb', BROKEN_INITDB, ['-static']);
  compileC(
    bin,
    'postgres',
    // like postgres, it carries configure's compiler flags (pg_config data) and a compiled-in path
    '#include <stdio.h>\nconst char *dir = "/pg-bundle-unrelocated/v15/share/postgresql";\nconst char *cflags = "-O2 -g -fstack-protector-strong";\nint main(void) { puts(dir); puts(cflags); return 0; }\n',
    ['-static', '-fstack-protector-strong'],
  );
  for (const f of ['initdb.c', 'postgres.c']) rmSync(join(bin, f));
  writeFileSync(join(root, v, 'share/postgresql/postgres.bki'), 'create pg_proc 1255\n');
  const entry = {
    postgres: { version: `${major}.0`, major, catversion: 202209061 },
    source: { spec: 'dir:/src/postgresql-toy', kind: 'dir', revision: 'toy' },
    files: await listBundleFiles(root, v),
  } as unknown as VersionManifest;
  const manifest: Manifest = { ...emptyManifest('0.0.0-test'), versions: { [String(major)]: entry } };
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
