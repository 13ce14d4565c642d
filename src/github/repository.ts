/** Repository names and release URLs on a GitHub server (pure). */
import { UserError } from '../util/errors';

export interface RepositoryName {
  owner: string;
  repo: string;
}

/**
 * `owner/name` → { owner, repo }. `role` says which repository is meant in the error
 * ("the release repository", "the consumer repository").
 */
export function parseRepository(
  value: string | undefined,
  role: string,
  flag = '--repository',
): RepositoryName {
  if (!value) throw new UserError(`${role} is not given`, `pass ${flag} <owner/name> of ${role}`);
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value.trim());
  if (!m)
    throw new UserError(
      `${flag} ${JSON.stringify(value)} is not of the form owner/name`,
      `pass ${flag} <owner/name> of ${role}`,
    );
  return { owner: m[1], repo: m[2] };
}

/** Release URLs on a GitHub server. */
export function releaseUrls(
  serverUrl: string,
  repository: string,
  tag: string,
  assetName: string,
): { releaseUrl: string; assetUrl: string; manifestUrl: string } {
  const base = `${serverUrl.replace(/\/+$/, '')}/${repository}/releases`;
  const t = encodeURIComponent(tag);
  return {
    releaseUrl: `${base}/tag/${t}`,
    assetUrl: `${base}/download/${t}/${encodeURIComponent(assetName)}`,
    manifestUrl: `${base}/download/${t}/manifest.json`,
  };
}

/** owner, repo, tag and asset name from a release download URL (the inverse of releaseUrls' assetUrl). */
export function parseReleaseDownloadUrl(
  url: string,
): (RepositoryName & { tag: string; name: string }) | undefined {
  const m = /\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/?#]+)$/.exec(url);
  return m
    ? {
        owner: decodeURIComponent(m[1]),
        repo: decodeURIComponent(m[2]),
        tag: decodeURIComponent(m[3]),
        name: decodeURIComponent(m[4]),
      }
    : undefined;
}
