import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBundleFiles, manifestMode } from '../../../src/core/bundle-files';
import { sha256 } from '../../../src/util/hash';
import { UserError } from '../../../src/util/errors';

describe('listBundleFiles', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'bundle-files-'));
    mkdirSync(join(root, 'v15/bin'), { recursive: true });
    mkdirSync(join(root, 'v15/share/postgresql'), { recursive: true });
    mkdirSync(join(root, 'v18/bin'), { recursive: true });
    writeFileSync(join(root, 'v15/bin/postgres'), 'binary');
    chmodSync(join(root, 'v15/bin/postgres'), 0o700);
    writeFileSync(join(root, 'v15/share/postgresql/postgres.bki'), 'bki');
    chmodSync(join(root, 'v15/share/postgresql/postgres.bki'), 0o600);
    writeFileSync(join(root, 'v15/bin/initdb'), 'initdb');
    chmodSync(join(root, 'v15/bin/initdb'), 0o755);
    writeFileSync(join(root, 'v18/bin/postgres'), 'other');
    writeFileSync(join(root, 'manifest.json'), '{}');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('lists one version sorted by path, with paths relative to the root, sha256, size and the exact mode (build normalises modes first)', async () => {
    expect(await listBundleFiles(root, 'v15')).toEqual([
      { path: 'v15/bin/initdb', sha256: sha256('initdb'), size: 6, mode: '0755' },
      { path: 'v15/bin/postgres', sha256: sha256('binary'), size: 6, mode: '0700' },
      { path: 'v15/share/postgresql/postgres.bki', sha256: sha256('bki'), size: 3, mode: '0600' },
    ]);
  });

  it('lists the whole root without a prefix, and accepts a prefix with slashes', async () => {
    expect((await listBundleFiles(root)).map((f) => f.path)).toEqual([
      'manifest.json',
      'v15/bin/initdb',
      'v15/bin/postgres',
      'v15/share/postgresql/postgres.bki',
      'v18/bin/postgres',
    ]);
    expect((await listBundleFiles(root, '/v18/')).map((f) => f.path)).toEqual(['v18/bin/postgres']);
  });

  it('rejects symbolic links and missing directories with a UserError', async () => {
    symlinkSync('postgres', join(root, 'v15/bin/postmaster'));
    await expect(listBundleFiles(root, 'v15')).rejects.toThrow(/v15\/bin\/postmaster is a symbolic link/);
    await expect(listBundleFiles(root, 'v14')).rejects.toBeInstanceOf(UserError);
  });

  it.each([
    [0o100755, '0755'],
    [0o100700, '0700'],
    [0o100644, '0644'],
    [0o100666, '0666'],
    [0o104755, '4755'],
  ])('mode %o is recorded as %s', (mode, expected) => {
    expect(manifestMode(mode)).toBe(expected);
  });
});
