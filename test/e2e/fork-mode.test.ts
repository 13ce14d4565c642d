/**
 * Fork mode proven on a fork-shaped tree (issue 14 item 1): an upstream tree turned into a storage
 * fork by test/fixtures/fork/make-fork-tree.sh (main.c dispatches `postgres --wal-redo` to the
 * module fork_walredo; private shared memory; an in-memory storage manager), built with its own
 * walredo module and the resource-manager module that walredo loads at start:
 *
 *   test/fixtures/fork/make-fork-tree.sh <upstream tarball> /tmp/fork16
 *   pg-bundle build --pg 16 --source dir:/tmp/fork16 --walredo fork \
 *     --module test/fixtures/fork/fork_walredo --module test/fixtures/modules/pgb_test_rmgr \
 *     --walredo-preload pgb_test_rmgr --out /tmp/fork/out
 *   pg-bundle verify /tmp/fork/out --report /tmp/fork/verify.json   # fails hardening: no seccomp sandbox
 *   PG_BUNDLE_E2E=1 PG_BUNDLE_E2E_FORK_BUNDLE=/tmp/fork/out PG_BUNDLE_E2E_FORK_REPORT=/tmp/fork/verify.json \
 *     npx jest --runInBand test/e2e/fork-mode
 *
 * Every version of the bundle's manifest is tested (PG_BUNDLE_E2E_VERSION narrows it to one).
 * PG_BUNDLE_E2E_BUNDLE names the builtin bundle of the same majors (the main job's), verified, for
 * the pin-bump comparison. test/run-all.sh builds v18 this way (the storage service's own modules
 * are tested on Neon-shaped trees v14..v17: neon-mode.test.ts), verifies it and runs this file.
 */
import { namedBundle } from './bundle-env';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../../src/core/manifest';
import { pinFromManifest } from '../../src/pin/write';
import { ReleaseInfo } from '../../src/release/info';
import { analyseRisk } from '../../src/pin-bump/risk';
import { unmetRequirements } from '../../src/pin/walredo-dialect';
import { walRedoStarter } from '../../src/walredo/suite';
import { PROTOCOL_TESTS } from '../../src/walredo/suite/protocol-tests';
import { WalRedoReport } from '../../src/walredo/suite/report';
import { releaseOf, versionsOf } from '../support/pins';

const named = namedBundle('PG_BUNDLE_E2E_FORK_BUNDLE');
/** the main job's bundle (builtin walredo, upstream trees), when the run built one */
const builtinBundle = process.env.PG_BUNDLE_E2E_BUNDLE ?? '';
/**
 * verify's report of the fork bundle (`verify --report`): run-all names it, as verify fails the fixture
 * (its walredo has no seccomp sandbox) and so writes no conformance.json into the bundle
 */
const reportFile = process.env.PG_BUNDLE_E2E_FORK_REPORT ?? '';

const release = (tag: string): ReleaseInfo =>
  releaseOf({
    repository: 'acme/compute',
    tag,
    releaseUrl: `https://github.com/acme/compute/releases/tag/${tag}`,
    assetName: 'pg-bundle.tar.zst',
    assetUrl: `https://github.com/acme/compute/releases/download/${tag}/pg-bundle.tar.zst`,
    sha256: '0'.repeat(64),
  });
const RMGR = 'custom134';

/** The creator pids of the SysV shared memory segments, as `ipcs -m -p` lists them (shmid, owner, cpid, lpid). */
function sysvCreators(): number[] {
  return execFileSync('ipcs', ['-m', '-p'], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^(\d+)\s+\S+\s+(\d+)\s+\d+/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[2]));
}

if (!named) {
  test('PG_BUNDLE_E2E_FORK_BUNDLE names a bundle built from a fork-shaped tree with --walredo fork', () => {
    throw new Error('set PG_BUNDLE_E2E_FORK_BUNDLE (test/run-all.sh builds such a bundle and sets it)');
  });
} else {
  const { dir: bundle, manifest, majors } = named;
  jest.setTimeout(30 * 60 * 1000);

  describe.each(majors)('v%i', (major) => {
    const entry = manifest.versions[String(major)];

    test("the manifest records fork mode, the fork's two modules linked in and the preload it declares", () => {
      expect(entry.walredo).toMatchObject({
        mode: 'fork',
        modules: ['fork_walredo', 'pgb_test_rmgr'],
        preload: ['pgb_test_rmgr'],
      });
      const linked = entry.modules.map((m) => m.name);
      expect(linked).toEqual(expect.arrayContaining(['fork_walredo', 'pgb_test_rmgr']));
      // pg-bundle's own walredo is not in a fork's bundle
      expect(linked).not.toContain('pg_bundle_walredo');
    });

    test("the fork's walredo answers through main.c's dispatch; stderr has only the rmgr's LOG line", async () => {
      const client = walRedoStarter(bundle, major)();
      try {
        expect((await client.ping()).every((b) => b === 0)).toBe(true);
        expect((await client.close(10000)).code).toBe(0);
        const lines = client.stderr().split('\n').filter(Boolean);
        expect(lines.filter((l) => !l.includes('LOG:'))).toEqual([]);
        expect(lines.join('\n')).toMatch(/registered custom resource manager "pgb_test_rmgr" with ID 134/);
      } finally {
        client.kill();
      }
    });

    test(`verify's walredo stage passed in fork mode: every protocol test, >= 200 vectors of ${RMGR}, none failed`, () => {
      // verify's own report (run-all runs verify on this bundle first): not a second run of the stage
      const file = reportFile || join(bundle, 'conformance.json');
      const conformance = JSON.parse(readFileSync(file, 'utf8')) as {
        versions: Record<
          string,
          { walredo?: WalRedoReport; checks?: { name: string; status: string; detail: string }[] }
        >;
      };
      const report = conformance.versions[String(major)]?.walredo;
      if (!report)
        throw new Error(
          `v${major}: ${file} has no walredo report: run pg-bundle verify ${bundle} --report <file> and set PG_BUNDLE_E2E_FORK_REPORT`,
        );
      expect(report.mode).toBe('fork');
      expect(report.protocol.tests.map((t) => t.name)).toEqual(PROTOCOL_TESTS.map((t) => t.name));
      expect(report.protocol.tests.filter((t) => !t.passed)).toEqual([]);
      expect(report.vectors.failures).toEqual([]);
      expect(report.status).toBe('pass');
      const custom = report.vectors.byRmgr[RMGR];
      expect(custom.failed).toBe(0);
      expect(custom.passed).toBeGreaterThanOrEqual(200);
      // built-in resource managers replayed next to the custom one
      expect(report.vectors.byRmgr.Heap.passed).toBeGreaterThan(0);
      expect(report.vectors.byRmgr.Btree.passed).toBeGreaterThan(0);
      // measured from the binary, not configured
      expect(report.rmgrs?.custom).toEqual([134]);
      const check = (conformance.versions[String(major)]?.checks ?? []).find((c) => c.name === 'walredo');
      expect(check?.status).toBe('pass');
      expect(check?.detail).toMatch(/^mode fork: .*custom: custom134 \d+ passed, 0 failed/);
    });

    test("the fork's walredo creates no SysV segment and no /dev/shm entry: 20 processes, each pushed a page and asked for it", async () => {
      const shmBefore = readdirSync('/dev/shm').sort();
      const page = Buffer.alloc(8192, 7);
      const tag = { fork: 0, spcOid: 1663, dbOid: 5, relNumber: 16384, blkno: 3 };
      const clients = Array.from({ length: 20 }, () => walRedoStarter(bundle, major)());
      try {
        await Promise.all(clients.map((c) => c.ping()));
        const pids = new Set(clients.map((c) => c.pid));
        expect(pids.size).toBe(20);
        // while they all run: no segment created by one of them, nothing new in /dev/shm
        expect(sysvCreators().filter((pid) => pids.has(pid))).toEqual([]);
        expect(readdirSync('/dev/shm').sort()).toEqual(shmBefore);
        const pages = await Promise.all(clients.map((c) => c.redo({ tag, base: page, records: [] })));
        for (const p of pages) expect(p.equals(page)).toBe(true);
        for (const c of clients) expect((await c.close(10000)).code).toBe(0);
      } finally {
        for (const c of clients) c.kill();
      }
    });

    test('between the builtin bundle and the fork bundle (both verified), pin-bump flags the dialect and a fork requirement refuses the builtin one', () => {
      if (!builtinBundle)
        throw new Error(
          "set PG_BUNDLE_E2E_BUNDLE to the main job's (builtin) bundle, verified (test/run-all.sh does)",
        );
      const builtin = JSON.parse(readFileSync(join(builtinBundle, 'manifest.json'), 'utf8')) as Manifest;
      if (!builtin.versions[String(major)]) throw new Error(`v${major} is not in ${builtinBundle}`);
      const only = (m: Manifest): Manifest => ({ ...m, versions: { [major]: m.versions[String(major)] } });
      // the same PostgreSQL: the fork tree was made from the main job's upstream tarball
      expect(manifest.versions[String(major)].postgres.version).toBe(
        builtin.versions[String(major)].postgres.version,
      );
      const builtinPin = pinFromManifest(only(builtin), release('builtin'));
      const forkPin = pinFromManifest(only(manifest), release('fork'));
      for (const [from, to] of [
        [builtinPin, forkPin],
        [forkPin, builtinPin],
      ]) {
        const risk = analyseRisk(from, to).filter((r) => r.kind === 'walredo');
        const rows = risk.map((r) => `${r.what}: ${r.old} -> ${r.new}`);
        expect(rows).toEqual(
          expect.arrayContaining([
            `walredo mode: ${versionsOf(from)[major].walredo?.mode} -> ${versionsOf(to)[major].walredo?.mode}`,
            expect.stringMatching(/^custom resource managers walredo replays: /),
          ]),
        );
      }
      // what a storage team running the fork would state in its pin file
      const required = { mode: 'fork' as const, customRmgrs: [134] };
      expect(unmetRequirements(versionsOf(forkPin), required)).toEqual([]);
      expect(unmetRequirements(versionsOf(builtinPin), required)).toEqual([
        `v${major}: walredo mode is builtin, the pin requires fork`,
        `v${major}: walredo does not replay custom resource manager 134 (it replays none)`,
      ]);
    });
  });
}
