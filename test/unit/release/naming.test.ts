import { bundleAssetName, platformManifestName } from '../../../src/release/naming';

it.each<[string, string | undefined, string]>([
  ['t1', undefined, 'pg-bundle-t1-linux-x86_64.tar.zst'],
  ['bundle-15.4-abc1234', 'linux-aarch64', 'pg-bundle-bundle-15.4-abc1234-linux-aarch64.tar.zst'],
])('bundleAssetName(%s, %s)', (tag, platform, name) => expect(bundleAssetName(tag, platform)).toBe(name));

it('names a platform manifest', () =>
  expect(platformManifestName('linux-aarch64')).toBe('manifest-linux-aarch64.json'));
