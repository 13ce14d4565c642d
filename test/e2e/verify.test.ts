/**
 * End-to-end verify on a real bundle: PG_BUNDLE_E2E_BUNDLE names a built bundle directory (one
 * holding vNN/bin/initdb; test/run-all.sh builds one and sets it), e.g.
 *   PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_BUNDLE=/tmp/pgb npx jest test/e2e/verify.test.ts
 * Each case works on a copy; the manifest is written with listBundleFiles (or taken from the bundle).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listBundleFiles } from '../../src/core/bundle-files';
import { CommandContext } from '../../src/core/context';
import { emptyManifest, Manifest, VersionManifest } from '../../src/core/manifest';
import { MemoryLogger } from '../support/memory-logger';
import { verifyCommand } from '../../src/verify/command';
import { VerifyReport } from '../../src/verify/report';
import { verifyBundle } from '../../src/verify/verify';

const SOURCE = process.env.PG_BUNDLE_E2E_BUNDLE;
const MAJORS =
  SOURCE && existsSync(SOURCE)
    ? readdirSync(SOURCE)
        .filter((d) => /^v\d+$/.test(d) && existsSync(join(SOURCE, d, 'bin/initdb')))
        .map((d) => Number(d.slice(1)))
    : [];
/** CATALOG_VERSION_NO of each release line, for bundles that come without a manifest. */
const CATVERSION: Record<number, number> = { 14: 202107181, 15: 202209061, 16: 202307071, 17: 202406281 };
if (MAJORS.length === 0) {
  throw new Error(
    'set PG_BUNDLE_E2E_BUNDLE to the out directory of a built bundle (test/run-all.sh does this)',
  );
}

async function copyBundle(majors: number[]): Promise<{ root: string; bundle: string }> {
  const root = mkdtempSync(join(tmpdir(), 'verify-e2e-'));
  const bundle = join(root, 'bundle');
  for (const m of majors) cpSync(join(SOURCE!, `v${m}`), join(bundle, `v${m}`), { recursive: true });
  const given = join(SOURCE!, 'manifest.json');
  let manifest: Manifest = existsSync(given)
    ? (JSON.parse(readFileSync(given, 'utf8')) as Manifest)
    : emptyManifest('0.0.0-e2e');
  const versions: Manifest['versions'] = {};
  for (const m of majors) {
    const known = manifest.versions[String(m)];
    const files = await listBundleFiles(bundle, `v${m}`);
    versions[String(m)] = known
      ? { ...known, files }
      : ({
          postgres: { version: String(m), major: m, catversion: CATVERSION[m] },
          source: { spec: 'e2e', kind: 'unknown', revision: 'unknown' },
          files,
        } as unknown as VersionManifest);
  }
  manifest = { ...manifest, versions };
  writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { root, bundle };
}

const check = (report: VerifyReport, major: number, name: string) =>
  report.versions[String(major)].checks.find((c) => c.name === name)!;

describe(`verify on the bundle in ${SOURCE}`, () => {
  jest.setTimeout(600_000);
  const major = MAJORS[0];
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  /** Verifies a copy of the bundle after `damage` changed it (walredo stage skipped: it has its own e2e tests). */
  async function verifyDamagedCopy(damage: (bundle: string, scratch: string) => void): Promise<VerifyReport> {
    const copy = await copyBundle([major]);
    root = copy.root;
    damage(copy.bundle, root);
    return verifyBundle({
      bundleDir: copy.bundle,
      majors: [major],
      allowUnisolated: false,
      skipWalredo: true,
      log: new MemoryLogger(),
    });
  }

  it(`passes every check of ${MAJORS.map((m) => `v${m}`).join(', ')} through the command, and records conformance in the manifest`, async () => {
    const copy = await copyBundle(MAJORS);
    root = copy.root;
    const log = new MemoryLogger();
    const summaries: string[] = [];
    const ctx: CommandContext = {
      log,
      args: [copy.bundle],
      setOutput: () => undefined,
      addSummary: async (md) => void summaries.push(md),
      setSecret: () => undefined,
    };
    const code = await verifyCommand({ pg: MAJORS.join(',') }, ctx);
    const report = JSON.parse(readFileSync(join(copy.bundle, 'conformance.json'), 'utf8')) as VerifyReport;
    const failed = Object.entries(report.versions).flatMap(([v, r]) =>
      r.checks.filter((c) => c.status !== 'pass').map((c) => `v${v} ${c.name}: ${c.detail}`),
    );
    expect(failed).toEqual([]);
    expect(code).toBe(0);
    const manifest = JSON.parse(readFileSync(join(copy.bundle, 'manifest.json'), 'utf8')) as Manifest;
    for (const m of MAJORS) {
      const conformance = manifest.versions[String(m)].conformance!;
      expect(conformance.checks).toHaveLength(14);
      expect(conformance.checks.find((c) => c.name === 'walredo')?.status).toBe('pass');
      expect(conformance.collation).toMatchObject({ datcollate: 'C.UTF-8', datctype: 'C.UTF-8' });
      expect(conformance.collation?.icuCollationVersion).toMatch(/^\d+\.\d+/);
      expect(conformance.systemIdentifier).toMatch(/^\d+$/);
    }
    expect(summaries[0]).toContain('pg-bundle verify: passed');
  });

  it('fails elf-static naming a dynamically linked binary put into the bundle', async () => {
    const report = await verifyDamagedCopy((bundle, scratch) => {
      const src = join(scratch, 'hello.c');
      writeFileSync(src, '#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n');
      execFileSync('gcc', ['-o', join(bundle, `v${major}/bin/pg_hello`), src]);
    });
    expect(check(report, major, 'elf-static')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        new RegExp(`^v${major}/bin/pg_hello: not static: PT_INTERP \\S+, DT_NEEDED libc\\.so\\.6$`),
      ),
    });
    expect(check(report, major, 'manifest-files').detail).toBe(
      `v${major}/bin/pg_hello: unexpected (in the bundle but not in the manifest)`,
    );
    expect(check(report, major, 'empty-root-initdb').status).toBe('pass');
  });

  it('fails manifest-files naming a file changed after the manifest was written', async () => {
    const report = await verifyDamagedCopy((bundle) => {
      const sample = join(bundle, `v${major}/share/postgresql/postgresql.conf.sample`);
      writeFileSync(sample, readFileSync(sample, 'utf8') + '\n# changed after the build\n');
    });
    expect(check(report, major, 'manifest-files')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(
        new RegExp(`^v${major}/share/postgresql/postgresql\\.conf\\.sample: changed \\(sha256 is`),
      ),
    });
    expect(check(report, major, 'elf-static').status).toBe('pass');
  });

  it('fails empty-root-initdb naming share/postgresql/postgres.bki when it is removed', async () => {
    const report = await verifyDamagedCopy((bundle) =>
      rmSync(join(bundle, `v${major}/share/postgresql/postgres.bki`)),
    );
    const initdb = check(report, major, 'empty-root-initdb');
    expect(initdb.status).toBe('fail');
    expect(initdb.detail).toMatch(new RegExp(`^v${major}/bin/initdb exited with code 1`));
    expect(initdb.detail).toContain(`/bundle/v${major}/share/postgresql/postgres.bki`);
    expect(check(report, major, 'manifest-files').detail).toContain(
      `v${major}/share/postgresql/postgres.bki: missing`,
    );
    expect(check(report, major, 'pg-control').status).toBe('skip');
  });
});
