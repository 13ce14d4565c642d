/**
 * Release tags (pure). Tag scheme, default: `bundle-<versions>-<content>` where
 * - versions are the PostgreSQL versions of the bundle, joined by `-` (e.g. `15.18-18.1`);
 * - content is the first 7 hex digits of the bundle's content digest (release-identity.ts): the
 *   sha256 over every file's path, mode, size and sha256 (a release of several platforms: over each
 *   platform's digest).
 * Derived from the files only (no date, no build facts): a rebuild that gives the same files is the
 * same release (publish leaves it unchanged), one that gives other files (the same sources with newer
 * libraries, a changed module, a dirty tree) is a new one. `--tag` overrides it. Tags are limited to
 * characters safe in git refs and URLs.
 */
import { Manifest } from '../core/manifest';
import { UserError } from '../util/errors';
import { releaseDigest } from './release-identity';

/** The default tag of a release of these manifests (one per platform; the first's versions name it). */
export function defaultTag(manifests: Manifest | Manifest[]): string {
  const all = Array.isArray(manifests) ? manifests : [manifests];
  const manifest = all[0];
  const majors = Object.keys(manifest?.versions ?? {}).sort((a, b) => Number(a) - Number(b));
  if (majors.length === 0)
    throw new UserError('the manifest lists no PostgreSQL version', 'run build (and verify) before publish');
  const versions = majors.map((m) => manifest.versions[m].postgres.version.replace(/[^A-Za-z0-9.]/g, ''));
  return `bundle-${versions.join('-')}-${releaseDigest(all).slice(0, 7)}`;
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
