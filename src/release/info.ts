/** Where a published release lives and what its bundle assets are: what a pin is made from. */

/** Where one platform's bundle asset of a release is. */
export interface ReleaseAssetInfo {
  assetName: string;
  assetUrl: string;
  sha256: string;
  manifestUrl?: string;
}

/** Where a release lives and what its bundle assets are (from publish, or computed from --tag). */
export interface ReleaseInfo {
  /** owner/name of the release repository */
  repository: string;
  tag: string;
  releaseUrl: string;
  /** one bundle asset per platform id */
  assets: Record<string, ReleaseAssetInfo>;
  /** the release's created_at on GitHub (a dry run has none) */
  releasedAt?: string;
  /** Link for "conformance report" in the PR body (default: the first platform's manifestUrl). */
  conformanceUrl?: string;
}
