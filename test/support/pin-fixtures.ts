/** Pins and releases made from the manifests under test/fixtures/pin-bump, for the pin and pin-bump tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../../src/core/manifest';
import { pinFromManifest } from '../../src/pin/write';
import { ReleaseInfo } from '../../src/release/info';
import { releaseUrls } from '../../src/github/repository';
import { bundleAssetName } from '../../src/release/naming';
import { releaseOf } from './pins';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'pin-bump');

export function fixtureManifest(name: string): Manifest {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Manifest;
}

export function releaseFor(
  tag: string,
  sha256: string = 'ab'.repeat(32),
  repository = 'acme/pg-bundle-releases',
): ReleaseInfo {
  const assetName = bundleAssetName(tag);
  return releaseOf({
    repository,
    tag,
    assetName,
    sha256,
    ...releaseUrls('https://github.com', repository, tag, assetName),
  });
}

export const pinOf = (manifest: string, tag: string, sha256?: string) =>
  pinFromManifest(fixtureManifest(manifest), releaseFor(tag, sha256));
