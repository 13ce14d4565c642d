import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { compareDebianVersions, newestFirst } from '../../../src/source/debian-version';

test.each([
  ['1:1.2.13.dfsg-1', '1.3-1', 1],
  ['2.36-9+deb12u14', '2.36-9+deb12u10', 1],
  ['2.36-9+deb12u9', '2.36-9+deb12u10', -1],
  ['1.5.4+dfsg2-5', '1.5.4+dfsg2-5', 0],
  ['15.14-0+deb12u1', '15.13-0+deb12u1', 1],
  ['1.0~rc1-1', '1.0-1', -1],
  ['1.0-1', '1.0-1~bpo1', 1],
  ['72.1-3+deb12u1', '72.1-3', 1],
])('dpkg orders %s against %s: %i', (a, b, sign) => {
  expect(Math.sign(compareDebianVersions(a, b))).toBe(sign);
});

test('newest first, as the deb-src index lists a package', () => {
  expect(newestFirst(['18.5-1', '18.6-3', '18.6-1~exp1', '18~beta1-1'])).toEqual([
    '18.6-3',
    '18.6-1~exp1',
    '18.5-1',
    '18~beta1-1',
  ]);
});

/** dpkg itself, the reference (present on every Debian machine). */
const dpkgSays = (a: string, b: string): number => {
  for (const [op, sign] of [
    ['lt', -1],
    ['eq', 0],
  ] as const) {
    try {
      execFileSync('dpkg', ['--compare-versions', a, op, b]);
      return sign;
    } catch {
      // not this relation
    }
  }
  return 1;
};

test('agrees with dpkg --compare-versions on generated versions', () => {
  const piece = fc.stringMatching(/^[0-9][0-9a-z.+~]{0,6}$/);
  const version = fc
    .record({
      epoch: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
      upstream: piece,
      revision: fc.option(fc.stringMatching(/^[0-9a-z.+~]{1,5}$/), { nil: undefined }),
    })
    .map(
      ({ epoch, upstream, revision }) =>
        `${epoch !== undefined ? `${epoch}:` : ''}${upstream}${revision ? `-${revision}` : ''}`,
    );
  fc.assert(
    fc.property(version, version, (a, b) => Math.sign(compareDebianVersions(a, b)) === dpkgSays(a, b)),
    { numRuns: 150 },
  );
});
