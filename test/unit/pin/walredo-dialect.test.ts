import { analyseRisk } from '../../../src/pin-bump/risk';
import { upgradePin } from '../../../src/pin/read';
import { pinProblems } from '../../../src/pin/schema';
import { PinFile } from '../../../src/pin/types';
import { pinWithRequirements } from '../../../src/pin-bump/bump';
import {
  PinnedWalRedo,
  unmetRequirements,
  unmetWalRedoRequirement,
  walRedoChanges,
} from '../../../src/pin/walredo-dialect';
import { versionsOf } from '../../support/pins';

const BUILTIN: PinnedWalRedo = {
  mode: 'builtin',
  modules: ['pg_bundle_walredo'],
  rmgrs: { builtin: Array.from({ length: 22 }, (_, i) => i), custom: [] },
};
const FORK: PinnedWalRedo = {
  mode: 'fork',
  modules: ['neon_walredo', 'neon_rmgr'],
  rmgrs: { builtin: BUILTIN.rmgrs!.builtin, custom: [134] },
};

/** A pin of the first form (schemaVersion 1), read as every pin is. */
function pin(tag: string, walredo: PinnedWalRedo | undefined, requires?: PinFile['requires']): PinFile {
  return upgradePin({
    schemaVersion: 1,
    tag,
    platform: 'linux-x86_64',
    releaseUrl: `https://github.com/acme/compute/releases/tag/${tag}`,
    assetName: `pg-bundle-${tag}-linux-x86_64.tar.zst`,
    assetUrl: `https://github.com/acme/compute/releases/download/${tag}/pg-bundle-${tag}-linux-x86_64.tar.zst`,
    sha256: 'ab'.repeat(32),
    versions: {
      '16': {
        postgresVersion: '16.14',
        sourceRevision: 'r',
        catalogVersion: 202307071,
        icuVersion: '72.1',
        libcVersion: '2.36',
        collation: {
          datcollate: 'C.UTF-8',
          datctype: 'C.UTF-8',
          provider: 'libc',
          icuCollationVersion: '153.120',
          libcCollationVersion: 'none',
        },
        bundleSize: 1,
        ...(walredo ? { walredo } : {}),
      },
    },
    ...(requires ? { requires } : {}),
  });
}

describe('the consumer requires a WAL dialect', () => {
  it.each([
    ['fork mode and rmgr 134 from a fork bundle', FORK, { mode: 'fork' as const, customRmgrs: [134] }, []],
    [
      'fork mode and rmgr 134 from a builtin bundle',
      BUILTIN,
      { mode: 'fork' as const, customRmgrs: [134] },
      [
        'v16: walredo mode is builtin, the pin requires fork',
        'v16: walredo does not replay custom resource manager 134 (it replays none)',
      ],
    ],
    [
      'a module the bundle does not load',
      FORK,
      { modules: ['neon_rmgr', 'other'] },
      ['v16: walredo does not load module other (it loads neon_walredo, neon_rmgr)'],
    ],
    [
      'rmgr 134 from a bundle verify did not measure',
      { ...FORK, rmgrs: null },
      { customRmgrs: [134] },
      ['v16: custom resource manager 134 is required, but verify did not measure which ones walredo replays'],
    ],
    ['nothing required', BUILTIN, {}, []],
  ])('%s', (_name, walredo, required, expected) => {
    expect(unmetWalRedoRequirement('16', walredo, required)).toEqual(expected);
    expect(unmetRequirements({ '16': { walredo } }, required)).toEqual(expected);
  });

  it('pin-bump keeps the requirement and refuses a release that does not meet it', () => {
    const requires = { walredo: { mode: 'fork' as const, customRmgrs: [134] } };
    const old = pin('bundle-old', FORK, requires);
    expect(pinProblems(old)).toEqual([]);
    expect(
      pinWithRequirements(pin('bundle-new', FORK), old, 'pageserver/postgres-bundle.json').requires,
    ).toEqual(requires);
    expect(() =>
      pinWithRequirements(pin('bundle-new', BUILTIN), old, 'pageserver/postgres-bundle.json on main'),
    ).toThrow(
      'bundle-new does not provide what pageserver/postgres-bundle.json on main requires: v16: walredo mode is builtin, the pin requires fork; v16: walredo does not replay custom resource manager 134 (it replays none)',
    );
  });
});

describe('the Risk section flags a change of WAL dialect', () => {
  it('builtin → fork and back show mode, modules and rmgrs', () => {
    const rows = walRedoChanges(BUILTIN, FORK);
    expect(rows).toEqual([
      { what: 'walredo mode', old: 'builtin', new: 'fork' },
      { what: 'walredo modules', old: 'pg_bundle_walredo', new: 'neon_walredo, neon_rmgr' },
      { what: 'custom resource managers walredo replays', old: 'none', new: '134' },
    ]);
    const risks = analyseRisk(pin('a', BUILTIN), pin('b', FORK)).filter((r) => r.kind === 'walredo');
    expect(risks.map((r) => `${r.what}: ${r.old} → ${r.new}`)).toEqual([
      'walredo mode: builtin → fork',
      'walredo modules: pg_bundle_walredo → neon_walredo, neon_rmgr',
      'custom resource managers walredo replays: none → 134',
    ]);
    expect(analyseRisk(pin('b', FORK), pin('a', BUILTIN)).filter((r) => r.kind === 'walredo')).toHaveLength(
      3,
    );
  });
  it('no change, no risk; a pin without the record against one with it is named', () => {
    expect(walRedoChanges(FORK, FORK)).toEqual([]);
    expect(walRedoChanges(undefined, FORK)).toEqual([
      { what: 'walredo dialect', old: 'not recorded', new: 'fork' },
    ]);
  });
});

describe('the pin carries the linked components, so the next bump names each change', () => {
  it('a glibc security update between two pins is a Risk line without fetching the old manifest', () => {
    const a = pin('a', FORK);
    const b = pin('b', FORK);
    versionsOf(a)['16'].components = [
      { name: 'glibc', version: '2.36', debianPackage: 'libc6-dev', debianVersion: '2.36-9+deb12u13' },
    ];
    versionsOf(b)['16'].components = [
      { name: 'glibc', version: '2.36', debianPackage: 'libc6-dev', debianVersion: '2.36-9+deb12u14' },
    ];
    expect(pinProblems(b)).toEqual([]);
    const risks = analyseRisk(a, b).filter((r) => r.kind === 'component');
    expect(risks.map((r) => `${r.what}: ${r.old} → ${r.new}`)).toEqual([
      'glibc: libc6-dev 2.36-9+deb12u13 → libc6-dev 2.36-9+deb12u14',
    ]);
  });
});
