import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest } from '../../../src/core/manifest';
import { MemoryLogger } from '../../support/memory-logger';
import {
  checkElfMachine,
  checkElfMinKernel,
  checkElfStatic,
  checkHardening,
  checkNoBuildPaths,
  scanElfFiles,
} from '../../../src/verify/checks/binaries';
import {
  checkEmptyRootInitdb,
  checkPgControl,
  checkPgVersionFile,
  checkSingleUserQuery,
} from '../../../src/verify/checks/cluster';
import { VersionContext } from '../../../src/verify/checks/context';
import { checkDeterminism, checkHostIndependence } from '../../../src/verify/checks/determinism';
import { checkManifestFiles } from '../../../src/verify/checks/manifest-files';
import { createSandbox, probeIsolation } from '../../../src/verify/sandbox';
import { compileC, HELLO, NEW_KERNEL_NOTE } from './gcc';
import { makeToyBundle } from './toy-bundle';

const FIXTURE_CONTROL = join(__dirname, '../../fixtures/verify/pg_control-v15');

describe('verify checks on a bundle of gcc-compiled programs', () => {
  let root: string;
  let bundle: string;
  let manifest: Manifest;
  const ctxFor = (overrides: Partial<VersionContext> = {}): VersionContext => ({
    bundleDir: bundle,
    major: 15,
    dir: 'v15',
    manifestPath: join(bundle, 'manifest.json'),
    manifest,
    log: new MemoryLogger(),
    workDir: join(root, 'work'),
    facts: {},
    ...overrides,
  });

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'verify-checks-'));
    bundle = join(root, 'bundle');
    mkdirSync(bundle);
    manifest = await makeToyBundle(bundle);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  describe('manifest-files', () => {
    it('passes when every file matches', async () => {
      expect(await checkManifestFiles(ctxFor())).toMatchObject({
        name: 'manifest-files',
        status: 'pass',
        detail: expect.stringMatching(/^3 files match/),
      });
    });
    it('names a file changed after the manifest was written', async () => {
      writeFileSync(join(bundle, 'v15/share/postgresql/postgres.bki'), 'tampered\n');
      const r = await checkManifestFiles(ctxFor());
      expect(r.status).toBe('fail');
      expect(r.detail).toMatch(
        /^v15\/share\/postgresql\/postgres\.bki: changed \(sha256 is [0-9a-f]{64}, manifest says [0-9a-f]{64}\)$/,
      );
    });
    it('names missing and unexpected files', async () => {
      rmSync(join(bundle, 'v15/share/postgresql/postgres.bki'));
      writeFileSync(join(bundle, 'v15/bin/extra'), 'x');
      const r = await checkManifestFiles(ctxFor());
      expect(r.detail).toContain('v15/share/postgresql/postgres.bki: missing');
      expect(r.detail).toContain('v15/bin/extra: unexpected');
    });
    it('compares the recorded mode exactly and fails on group- or world-writable files and directories', async () => {
      chmodSync(join(bundle, 'v15/share/postgresql/postgres.bki'), 0o666);
      const r = await checkManifestFiles(ctxFor());
      expect(r.status).toBe('fail');
      expect(r.detail).toContain(
        'v15/share/postgresql/postgres.bki: changed (mode is 0666, manifest says 0644)',
      );
      chmodSync(join(bundle, 'v15/share/postgresql/postgres.bki'), 0o644);
      chmodSync(join(bundle, 'v15/bin/postgres'), 0o775);
      expect((await checkManifestFiles(ctxFor())).detail).toContain(
        'v15/bin/postgres: changed (mode is 0775',
      );
      chmodSync(join(bundle, 'v15/bin/postgres'), 0o755);
      chmodSync(join(bundle, 'v15/share'), 0o777);
      const dir = await checkManifestFiles(ctxFor());
      expect(dir.status).toBe('fail');
      expect(dir.detail).toContain('v15/share: writable by group or others (mode 0777)');
    });
    it('fails naming the manifest when there is none, or no entry for the version', async () => {
      const none = await checkManifestFiles(
        ctxFor({ manifest: undefined, manifestProblem: `${join(bundle, 'manifest.json')} is missing` }),
      );
      expect(none).toMatchObject({
        status: 'fail',
        detail: `${join(bundle, 'manifest.json')} is missing; the bundle's files cannot be checked`,
      });
      const unread = await checkManifestFiles(ctxFor({ manifest: undefined }));
      expect(unread.detail).toBe(
        `${join(bundle, 'manifest.json')}: no manifest; the bundle's files cannot be checked`,
      );
      const noEntry = await checkManifestFiles(ctxFor({ manifest: { ...manifest, versions: {} } }));
      expect(noEntry).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('has no entry for version 15'),
      });
    });
  });

  describe('elf-static and elf-min-kernel', () => {
    it('pass for static programs', async () => {
      const elfs = await scanElfFiles(bundle, 'v15');
      expect(elfs.map((e) => e.path)).toEqual(['v15/bin/initdb', 'v15/bin/postgres']);
      expect(checkElfStatic(ctxFor(), elfs)).toMatchObject({ status: 'pass' });
      expect(checkElfMinKernel(ctxFor(), elfs)).toMatchObject({
        status: 'pass',
        detail: expect.stringMatching(/^minimum kernel \d+\.\d+\.\d+ \(limit 5\.10\.0\)$/),
      });
      expect(checkElfMachine(ctxFor(), elfs, 'linux-x86_64')).toMatchObject({
        status: 'pass',
        detail: '2 ELF files, all x86-64 (e_machine 62), as the platform linux-x86_64 says',
      });
      // an x86-64 bundle whose manifest says linux-aarch64 (or a platform pg-bundle does not build)
      expect(checkElfMachine(ctxFor(), elfs, 'linux-aarch64')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^not built for AArch64 \(linux-aarch64\): v15\/bin\/initdb: x86-64/),
      });
      expect(checkElfMachine(ctxFor(), elfs, 'linux-riscv64').detail).toMatch(
        /platform linux-riscv64 is not one pg-bundle builds \(linux-x86_64, linux-aarch64\)/,
      );
    });
    it('names a dynamically linked binary put into the bundle and its offending entries', async () => {
      compileC(join(bundle, 'v15/bin'), 'helper', HELLO, []);
      rmSync(join(bundle, 'v15/bin/helper.c'));
      const r = checkElfStatic(ctxFor(), await scanElfFiles(bundle, 'v15'));
      expect(r.status).toBe('fail');
      expect(r.detail).toMatch(
        /^v15\/bin\/helper: not static: PT_INTERP \/\S+ld-linux\S+, DT_NEEDED libc\.so\.6$/,
      );
    });
    it('names a broken ELF file and fails when there is no ELF at all', async () => {
      writeFileSync(
        join(bundle, 'v15/bin/postgres'),
        Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1]), Buffer.alloc(10)]),
      );
      expect(checkElfStatic(ctxFor(), await scanElfFiles(bundle, 'v15')).detail).toMatch(
        /^v15\/bin\/postgres: truncated ELF/,
      );
      rmSync(join(bundle, 'v15/bin'), { recursive: true });
      expect(checkElfStatic(ctxFor(), await scanElfFiles(bundle, 'v15'))).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('no ELF files under v15/'),
      });
    });
    it('fails when an ABI note asks for a kernel newer than 5.10', async () => {
      compileC(join(bundle, 'v15/bin'), 'newer', NEW_KERNEL_NOTE, ['-static', '-nostdlib']);
      rmSync(join(bundle, 'v15/bin/newer.c'));
      const r = checkElfMinKernel(ctxFor(), await scanElfFiles(bundle, 'v15'));
      expect(r).toMatchObject({
        status: 'fail',
        detail: 'v15/bin/newer: NT_GNU_ABI_TAG asks for Linux 6.1.0, newer than 5.10.0',
      });
    });
  });

  describe('hardening', () => {
    it('passes for a non-executable stack and postgres compiled with the stack protector, and reports each binary', async () => {
      const r = checkHardening(ctxFor(), await scanElfFiles(bundle, 'v15'));
      expect(r.status).toBe('pass');
      expect(r.detail).toMatch(
        /^compiled with -fstack-protector-strong; v15\/bin\/initdb: non-executable stack, (no )?RELRO, not PIE, \d+ canary checks; v15\/bin\/postgres: non-executable stack/,
      );
    });
    it('fails for postgres compiled without the stack protector and for an executable stack', async () => {
      compileC(join(bundle, 'v15/bin'), 'postgres', HELLO, ['-static', '-fno-stack-protector']);
      compileC(join(bundle, 'v15/bin'), 'initdb', HELLO, ['-static', '-z', 'execstack']);
      const r = checkHardening(ctxFor(), await scanElfFiles(bundle, 'v15'));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('v15/bin/initdb: executable stack');
      expect(r.detail).toContain('v15/bin/postgres: not compiled with -fstack-protector-strong');
    });
  });

  describe('no-build-paths', () => {
    it('passes for the never-existing compiled-in prefix and names it', async () => {
      const r = checkNoBuildPaths(ctxFor(), await scanElfFiles(bundle, 'v15'));
      expect(r.status).toBe('pass');
      expect(r.detail).toContain('/pg-bundle-unrelocated/v15/share/postgresql');
      expect(r.detail).toContain('/src/postgresql-toy');
    });
    it('fails when a binary contains the bundle directory or the source tree', async () => {
      compileC(
        join(bundle, 'v15/bin'),
        'leaky',
        `#include <stdio.h>\nconst char *a = "${bundle}/v15/share/postgresql";\nconst char *b = "/src/postgresql-toy/src/backend";\nint main(void) { puts(a); puts(b); return 0; }\n`,
        ['-static'],
      );
      rmSync(join(bundle, 'v15/bin/leaky.c'));
      const r = checkNoBuildPaths(ctxFor(), await scanElfFiles(bundle, 'v15'));
      expect(r.status).toBe('fail');
      expect(r.detail).toContain(
        `v15/bin/leaky: contains ${bundle}/v15/share/postgresql (build-machine directory ${bundle})`,
      );
      expect(r.detail).toContain(
        'v15/bin/leaky: contains /src/postgresql-toy/src/backend (build-machine directory /src/postgresql-toy)',
      );
    });
    it('fails when a compiled-in look-up directory exists on the host', async () => {
      const r = checkNoBuildPaths(
        ctxFor(),
        await scanElfFiles(bundle, 'v15'),
        (d) => d === '/pg-bundle-unrelocated/v15/share/postgresql',
      );
      expect(r).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(
          'v15/bin/postgres: compiled-in look-up directory /pg-bundle-unrelocated/v15/share/postgresql exists on this host',
        ),
      });
    });
  });

  describe('cluster checks', () => {
    function fakeCluster(pgVersion: string): string {
      const data = join(root, 'data');
      mkdirSync(join(data, 'global'), { recursive: true });
      writeFileSync(join(data, 'PG_VERSION'), pgVersion);
      copyFileSync(FIXTURE_CONTROL, join(data, 'global/pg_control'));
      return data;
    }
    it('skip everything that needs a cluster when initdb produced none', async () => {
      const ctx = ctxFor();
      for (const r of [
        checkPgVersionFile(ctx),
        checkPgControl(ctx),
        await checkSingleUserQuery(ctx),
        await checkDeterminism(ctx),
        await checkHostIndependence(ctx),
      ]) {
        expect(r).toMatchObject({
          status: 'skip',
          detail: 'not run: empty-root-initdb did not produce a cluster',
        });
      }
    });
    it('pg-version-file and pg-control pass on a real v15 pg_control and record its facts', () => {
      const ctx = ctxFor({ emptyRootData: fakeCluster('15\n') });
      expect(checkPgVersionFile(ctx)).toMatchObject({ status: 'pass', detail: 'PG_VERSION is 15' });
      expect(checkPgControl(ctx)).toMatchObject({
        status: 'pass',
        detail: expect.stringContaining('catalog version 202209061 (matches the manifest)'),
      });
      expect(ctx.facts).toMatchObject({
        catalogVersion: 202209061,
        dataChecksumVersion: 0,
        systemIdentifier: expect.stringMatching(/^\d+$/),
      });
    });
    it('pg-version-file and pg-control fail on a wrong version, a catalog version mismatch or a bad CRC', () => {
      const data = fakeCluster('14\n');
      const other = {
        ...manifest,
        versions: {
          '15': {
            ...manifest.versions['15'],
            postgres: { version: '15.0', major: 15, catversion: 202107181 },
          },
        },
      };
      const ctx = ctxFor({ emptyRootData: data, manifest: other });
      expect(checkPgVersionFile(ctx)).toMatchObject({
        status: 'fail',
        detail: 'PG_VERSION says "14\\n", expected "15\\n" for v15',
      });
      expect(checkPgControl(ctx)).toMatchObject({
        status: 'fail',
        detail:
          'global/pg_control: catalog version is 202209061, the manifest (catversion.h of the source) says 202107181',
      });
      const bytes = readFileSync(join(data, 'global/pg_control'));
      bytes[200] ^= 1;
      writeFileSync(join(data, 'global/pg_control'), bytes);
      expect(checkPgControl(ctxFor({ emptyRootData: data })).detail).toMatch(
        /^global\/pg_control: CRC-32C is [0-9a-f]+, the file says [0-9a-f]+$/,
      );
    });
  });

  describe('empty-root-initdb', () => {
    it('fails naming the version, the program and the first lines of its stderr', async () => {
      const method = (await probeIsolation()).method ?? 'unisolated';
      const ctx = ctxFor({ sandbox: await createSandbox(method, bundle, join(root, 'sandbox')) });
      const r = await checkEmptyRootInitdb(ctx);
      expect(r.status).toBe('fail');
      const [first, ...stderr] = r.detail.split('\n');
      expect(first).toMatch(
        /^v15\/bin\/initdb exited with code 1 .*: --pgdata \/.*data --username cloud_admin --encoding utf8 --locale C\.UTF-8 --no-instructions --no-sync --locale-provider libc$/,
      );
      expect(stderr).toEqual([
        'initdb: error: file "/bundle/v15/share/postgresql/postgres.bki" does not exist',
        'initdb: detail: This might mean you have a corrupted installation.',
      ]);
      expect(ctx.emptyRootData).toBeUndefined();
    });
    it('fails saying why when there is no isolation method', async () => {
      const r = await checkEmptyRootInitdb(
        ctxFor({ isolationProblem: 'neither bwrap nor unshare+chroot works here' }),
      );
      expect(r).toMatchObject({
        status: 'fail',
        detail: 'no way to run v15/bin/initdb in an empty root: neither bwrap nor unshare+chroot works here',
      });
    });
  });

  describe('determinism', () => {
    it('fails naming the host run when initdb fails on the host', async () => {
      const ctx = ctxFor({ emptyRootData: join(root, 'data') });
      const r = await checkDeterminism(ctx);
      expect(r.status).toBe('fail');
      expect(r.detail).toMatch(
        /^v15\/bin\/initdb on the host \(copy at .*host-bundle, uid \d+\) exited with code 1\ninitdb: error: file/,
      );
    });
  });
});
