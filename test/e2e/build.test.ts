import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBundleFiles } from '../../src/core/bundle-files';
import { Manifest } from '../../src/core/manifest';
import { initdbArgv } from '../../src/verify/invocation';
import { requireBundle } from './bundle-env';

/** Facts about the bundle the build produced (the "done when" for the build). */
const { out, version, dir } = requireBundle();
const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as Manifest;
const entry = manifest.versions[String(version)];

const UNPRIVILEGED = 65534;

/** A copy of the bundle in a fresh world-readable directory (the unprivileged user must reach it). */
function copyBundle(): string {
  const parent = mkdtempSync(join(tmpdir(), 'pgb-e2e-bundle-'));
  chmodSync(parent, 0o755);
  cpSync(dir, join(parent, `v${version}`), { recursive: true });
  return join(parent, `v${version}`);
}
function initdbAsUnprivileged(bundleDir: string): { status: number | null; output: string } {
  const work = mkdtempSync(join(tmpdir(), 'pgb-e2e-initdb-'));
  chownSync(work, UNPRIVILEGED, UNPRIVILEGED);
  const args = [
    `--reuid=${UNPRIVILEGED}`,
    `--regid=${UNPRIVILEGED}`,
    '--clear-groups',
    'env',
    '-i',
    ...initdbArgv(join(bundleDir, 'bin', 'initdb'), version, join(work, 'data')),
  ];
  const r = spawnSync('setpriv', args, { cwd: work, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

describe(`built bundle v${version}`, () => {
  test('both binaries are static ELF executables (file(1) agrees)', () => {
    for (const bin of ['postgres', 'initdb']) {
      const text = execFileSync('file', ['-b', join(dir, 'bin', bin)]).toString();
      expect(text).toMatch(/statically linked/);
      expect(text).not.toMatch(/interpreter/);
    }
  });

  test('the manifest is complete and its hashes match the files', async () => {
    expect(entry.postgres.major).toBe(version);
    expect(entry.postgres.catversion).toBeGreaterThan(200000000);
    expect(entry.source.revision).toBeTruthy();
    expect(entry.icu.version).toMatch(/^\d+\.\d+/);
    expect(entry.toolchain.glibc).toMatch(/^\d+\.\d+/);
    expect(entry.modules.map((m) => m.name)).toEqual(expect.arrayContaining(['plpgsql', 'dict_snowball']));
    expect(entry.locales).toContain('C.utf8');
    expect(entry.files).toEqual(await listBundleFiles(out, `v${version}`));
  });

  test('initdb succeeds as a non-root user with the environment cleared', () => {
    const r = initdbAsUnprivileged(copyBundle());
    expect(r.output).toContain('performing post-bootstrap initialization ... ok');
    expect(r.status).toBe(0);
  });

  test('and from a copy of the bundle at another path', () => {
    const first = copyBundle();
    const second = copyBundle();
    expect(second).not.toBe(first);
    const r = initdbAsUnprivileged(second);
    expect(r.output).toContain('performing post-bootstrap initialization ... ok');
    expect(r.status).toBe(0);
  });
});
