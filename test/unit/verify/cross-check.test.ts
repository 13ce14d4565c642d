import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Manifest } from '../../../src/core/manifest';
import { otherPlatformBundle } from '../../../src/verify/verify';
import { platformById } from '../../../src/core/platform';
import { makeToyBundle } from './toy-bundle';

describe('verify --cross-check: the other platform’s bundle is checked before anything runs', () => {
  let dir: string;
  let x86: Manifest;
  const arm = (edit: (m: Manifest) => void = () => undefined) => {
    const m: Manifest = JSON.parse(JSON.stringify(x86));
    m.platform = 'linux-aarch64';
    edit(m);
    return m;
  };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pgb-cross-check-'));
    x86 = { ...(await makeToyBundle(dir)), platform: 'linux-x86_64' };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(x86));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const X86 = platformById('linux-x86_64')!;
  const ARM = platformById('linux-aarch64')!;

  test('a bundle of another platform with the majors is taken', () => {
    expect(otherPlatformBundle(dir, [15], arm(), X86).platform.id).toBe('linux-x86_64');
  });

  test("the other bundle's walredo answers here: it must be this machine's architecture", () => {
    expect(() => otherPlatformBundle(dir, [15], arm(), ARM)).toThrow(
      /is a linux-x86_64 bundle: its walredo answers the corpus on this machine, which is linux-aarch64/,
    );
  });

  test.each([
    ['the same platform', [15], () => x86, /is a linux-x86_64 bundle, like the bundle verified/],
    ['a major it lacks', [15, 16], () => arm(), /has no v16/],
  ])('refused in one line: %s', (_what, majors, mine, message) => {
    expect(() => otherPlatformBundle(dir, majors, mine(), X86)).toThrow(message);
  });

  test('a directory without a manifest, or one naming an unknown platform, is refused', () => {
    const empty = mkdtempSync(join(tmpdir(), 'pgb-cross-check-empty-'));
    try {
      expect(() => otherPlatformBundle(empty, [15], arm())).toThrow(/--cross-check .*: .*manifest/);
      writeFileSync(join(empty, 'manifest.json'), JSON.stringify({ ...x86, platform: 'linux-riscv64' }));
      expect(() => otherPlatformBundle(empty, [15], arm())).toThrow(/unknown platform 'linux-riscv64'/);
      // a hostile manifest's text cannot start a line of its own (a workflow command on GitHub)
      writeFileSync(join(empty, 'manifest.json'), JSON.stringify({ ...x86, platform: 'x\n::error::boom' }));
      expect(() => otherPlatformBundle(empty, [15], arm())).toThrow(/unknown platform 'x\\n::error::boom'/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
