import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest, VersionManifest } from '../../../src/core/manifest';
import { outdatedCommand } from '../../../src/outdated/command';
import {
  Available,
  compareWithAvailable,
  parseAptPolicyCandidate,
  renderOutdated,
} from '../../../src/outdated/outdated';
import { testContext, versionManifest } from '../publish/helpers';

test('apt-cache policy: the candidate, none for "(none)"', () => {
  const text =
    'zlib1g-dev:\n  Installed: 1:1.2.13.dfsg-1\n  Candidate: 1:1.2.13.dfsg-1+deb12u1\n  Version table:\n';
  expect(parseAptPolicyCandidate(text)).toBe('1:1.2.13.dfsg-1+deb12u1');
  expect(parseAptPolicyCandidate('x:\n  Installed: (none)\n  Candidate: (none)\n')).toBeUndefined();
  expect(parseAptPolicyCandidate('')).toBeUndefined();
});

const zlib = (v: string) => ({
  name: 'zlib',
  version: '1.2.13',
  debianPackage: 'zlib1g-dev',
  debianVersion: v,
  purl: `pkg:deb/debian/zlib1g-dev@${v}`,
});

function manifestWith(edit: (v: VersionManifest) => void): Manifest {
  const v = versionManifest(15, []);
  edit(v);
  return {
    schemaVersion: 1,
    tool: { name: 'pg-bundle', version: '0' },
    platform: 'linux-x86_64',
    versions: { '15': v },
  };
}

const available = (zlibNow: string, pg?: string): Available => ({
  packages: new Map([['zlib1g-dev', zlibNow]]),
  postgres: new Map([['v15', pg ? { newest: pg } : { cannotTell: 'a dir source cannot tell' }]]),
});

test.each<[string, Manifest, Available, string[]]>([
  [
    'a security update of a linked-in library',
    manifestWith((v) => (v.components = [zlib('1:1.2.13.dfsg-1')])),
    available('1:1.2.13.dfsg-1+deb12u1'),
    ['v15: zlib (zlib1g-dev): 1:1.2.13.dfsg-1 → 1:1.2.13.dfsg-1+deb12u1'],
  ],
  [
    'nothing newer',
    manifestWith((v) => (v.components = [zlib('1:1.2.13.dfsg-1')])),
    available('1:1.2.13.dfsg-1'),
    [],
  ],
  [
    'an older candidate is not a change',
    manifestWith((v) => (v.components = [zlib('1:1.2.13.dfsg-2')])),
    available('1:1.2.13.dfsg-1'),
    [],
  ],
  [
    'a newer Debian PostgreSQL',
    manifestWith((v) => {
      v.components = [];
      v.source = {
        spec: 'debian:postgresql-15',
        kind: 'debian',
        revision: 'debian:postgresql-15=15.13-0+deb12u1',
      };
    }),
    available('1', '15.14-0+deb12u1'),
    ['v15: PostgreSQL (debian:postgresql-15): 15.13-0+deb12u1 → 15.14-0+deb12u1'],
  ],
])('%s', (_name, manifest, avail, expected) => {
  const report = compareWithAvailable(manifest, avail);
  expect(report.changes.map((c) => `${c.version}: ${c.what}: ${c.old} → ${c.new}`)).toEqual(expected);
});

test('what cannot be compared is said, not hidden', () => {
  const report = compareWithAvailable(
    manifestWith((v) => delete v.components),
    available('1'),
  );
  expect(renderOutdated(report).join('\n')).toMatch(/cannot tell[\s\S]*records no components/);
});

test('outdated on a bundle whose manifest records an older package version reports it and exits 1', async () => {
  // a version older than anything apt on this machine offers (epoch 0, version 0)
  const dir = mkdtempSync(join(tmpdir(), 'pgb-outdated-'));
  const manifest = manifestWith((v) => (v.components = [{ ...zlib('0.0-0'), debianPackage: 'libc6-dev' }]));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  const ctx = testContext([dir]);
  const code = await outdatedCommand({ cacheDir: join(dir, 'cache') }, ctx);
  expect(ctx.log.lines.join('\n')).toMatch(/v15: zlib \(libc6-dev\): 0\.0-0 → 2\./);
  expect(code).toBe(1);
  expect(ctx.outputs.outdated).toBe('true');
});
