/**
 * Release naming (pure). Tag scheme, default: `bundle-<versions>-<rev>` where
 * - versions are the PostgreSQL versions of the bundle, joined by `-` (e.g. `15.18-18.1`);
 * - rev, for one version: the first 7 hex digits of its git revision, else of its source
 *   tarball's sha256 (Debian and tarball sources); for several versions (or neither): of
 *   sha256("<major>:<revision>\n" ...) over all versions sorted by major.
 * Derived from the sources only (no date): a re-run on another day is the same release.
 * `--tag` overrides it. Tags are limited to characters safe in git refs and URLs.
 */
import { createHash } from 'node:crypto';
import { Manifest } from '../core/manifest';
import { UserError } from '../util/errors';

export function bundleAssetName(tag: string, platform = 'linux-x86_64'): string {
  return `pg-bundle-${tag}-${platform}.tar.zst`;
}

export const MANIFEST_ASSET = 'manifest.json';
export const SHA256SUMS_ASSET = 'SHA256SUMS';

export function shortSourceRevision(manifest: Manifest): string {
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  if (majors.length === 0)
    throw new UserError('the manifest lists no PostgreSQL version', 'run build (and verify) before publish');
  if (majors.length === 1) {
    const source = manifest.versions[majors[0]].source;
    const gitRevision = /^[0-9a-f]{7,}/i.exec(source.revision)?.[0];
    if (gitRevision) return gitRevision.slice(0, 7).toLowerCase();
    if (source.tarballSha256) return source.tarballSha256.slice(0, 7).toLowerCase();
  }
  const joined = majors.map((m) => `${m}:${manifest.versions[m].source.revision}\n`).join('');
  return createHash('sha256').update(joined).digest('hex').slice(0, 7);
}

export function defaultTag(manifest: Manifest): string {
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  const versions = majors.map((m) => manifest.versions[m].postgres.version.replace(/[^A-Za-z0-9.]/g, ''));
  return `bundle-${versions.join('-')}-${shortSourceRevision(manifest)}`;
}

export function validateTag(tag: string): string {
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/.test(tag) ||
    tag.includes('..') ||
    tag.endsWith('.lock') ||
    tag.endsWith('.')
  ) {
    throw new UserError(
      `release tag "${tag}" is not allowed`,
      'use letters, digits and . _ + - (starting with a letter or digit), e.g. bundle-15.18-abc1234',
    );
  }
  return tag;
}
