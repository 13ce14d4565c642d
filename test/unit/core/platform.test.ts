import { hostPlatform, platformByElfMachine, platformById, PLATFORMS } from '../../../src/core/platform';

describe('platforms', () => {
  test.each([
    ['linux-x86_64', 62, 'amd64', 'x86_64-linux-gnu', 'x64'],
    ['linux-aarch64', 183, 'arm64', 'aarch64-linux-gnu', 'arm64'],
  ])('%s: e_machine %i, Debian %s, triplet %s, Node %s', (id, machine, debian, triplet, node) => {
    const p = platformById(id);
    expect(p).toMatchObject({ elfMachine: machine, debian, triplet });
    expect(platformByElfMachine(machine)).toBe(p);
    expect(hostPlatform(node)).toBe(p);
  });
  test('anything else is none of them', () => {
    expect(platformById('linux-riscv64')).toBeUndefined();
    expect(platformByElfMachine(243)).toBeUndefined();
    expect(hostPlatform('s390x')).toBeUndefined();
    expect(new Set(PLATFORMS.map((p) => p.id)).size).toBe(PLATFORMS.length);
  });
});
