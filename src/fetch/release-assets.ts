/**
 * A release's assets through the API: the release by its tag, an asset by its name, an asset's
 * content (refused before the download when too large), and for a release named by repository and
 * tag the pin pin-bump would write for it (its SHA256SUMS and its platform's manifest).
 */
import { parseManifest } from '../core/manifest-file';
import { Manifest } from '../core/manifest';
import { GitHubClient } from '../github/client';
import { apiCall } from '../github/errors';
import { parseReleaseDownloadUrl, parseRepository, RepositoryName } from '../github/repository';
import { PinFile } from '../pin/types';
import { pinFromManifest } from '../pin/write';
import { parseSha256Sums } from '../release/checksums';
import { bundleAssetName, MANIFEST_ASSET, platformManifestName, SHA256SUMS_ASSET } from '../release/naming';
import { errorMessage, UserError } from '../util/errors';
import { shown } from '../util/log-text';
import { apiClient, apiTakesToken, DownloadAccess } from './access';
import { checkSha256, MAX_MANIFEST_BYTES, manifestShapeProblems, refuse, sumsVoucher } from './checks';
import { PlatformPin } from './platform';

/** A release, and what named it (in the fix of a "not found": the pin's assetUrl, or --repository and --tag) */
export type ReleaseRef = RepositoryName & { tag: string; namedBy: string };
export type Release = Awaited<ReturnType<GitHubClient['rest']['repos']['getReleaseByTag']>>['data'];
export type ReleaseAsset = Release['assets'][number];

export const repositoryOf = (ref: ReleaseRef) => `${ref.owner}/${ref.repo}`;

/** The release --repository and --tag name. */
export function releaseRef(repository: string, tag: string): ReleaseRef {
  return { ...parseRepository(repository, 'the release repository'), tag, namedBy: '--repository and --tag' };
}

/**
 * The API client to read a release named by repository and tag: anonymous when there is no token or
 * the API must not get it (public repositories only), said in the log.
 */
export function releaseClient(ref: ReleaseRef, access: DownloadAccess): GitHubClient {
  const token = apiTakesToken(access.apiUrl) ? access.token : undefined;
  if (!token)
    access.log.info(
      access.token
        ? `the token is not sent to the plain-http API ${access.apiUrl ?? ''}: reading release ${ref.tag} of ${repositoryOf(ref)} without it`
        : `reading release ${ref.tag} of ${repositoryOf(ref)} without a token: a private repository needs --token or GITHUB_TOKEN`,
    );
  return apiClient(token, access);
}

/** The published release with this tag (GitHub never returns drafts by tag). */
export async function releaseByTag(octokit: GitHubClient, ref: ReleaseRef): Promise<Release> {
  const { owner, repo, tag } = ref;
  return apiCall(
    `reading release ${tag}`,
    repositoryOf(ref),
    'contents: read',
    async () => {
      const { data } = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag });
      return data;
    },
    ref.namedBy,
  );
}

/** The release's asset of that name; `fix` says what to check when it has none. */
function assetNamed(release: Release, ref: ReleaseRef, name: string, fix: string): ReleaseAsset {
  const asset = release.assets.find((a) => a.name === name);
  if (!asset)
    throw new UserError(`release ${ref.tag} in ${repositoryOf(ref)} has no asset ${shown(name)}`, fix);
  return asset;
}

/** An asset's content through the API, refused before the download when GitHub reports it larger than `maxBytes`. */
export async function downloadReleaseAsset(
  octokit: GitHubClient,
  ref: ReleaseRef,
  asset: ReleaseAsset,
  maxBytes: number,
  limit = 'the pin allows',
): Promise<Buffer> {
  const { owner, repo, tag } = ref;
  if (asset.size > maxBytes)
    throw new UserError(
      `asset ${asset.name} of release ${tag} has ${asset.size} bytes, more than the ${maxBytes} bytes ${limit}`,
      'do not use this asset: its size does not match the pinned bundle',
    );
  return apiCall(
    `downloading ${asset.name} of release ${tag}`,
    repositoryOf(ref),
    'contents: read',
    async () => {
      const { data } = await octokit.rest.repos.getReleaseAsset({
        owner,
        repo,
        asset_id: asset.id,
        headers: { accept: 'application/octet-stream' },
      });
      return Buffer.from(data as unknown as ArrayBuffer);
    },
    ref.namedBy,
  );
}

/**
 * The pinned asset through the API (works for private repositories): release by tag → asset by
 * name → download; undefined when the pin's assetUrl is not a release download URL.
 */
export async function downloadPinnedAsset(
  pin: PlatformPin,
  token: string,
  access: DownloadAccess,
  maxBytes: number,
): Promise<Buffer | undefined> {
  const found = parseReleaseDownloadUrl(pin.assetUrl);
  if (!found) return undefined;
  const where = { ...found, namedBy: "the pin file's assetUrl (and that the release was published)" };
  const octokit = apiClient(token, access);
  const release = await releaseByTag(octokit, where);
  const asset = assetNamed(
    release,
    where,
    pin.assetName,
    'check the pin file (was the release published completely?)',
  );
  return downloadReleaseAsset(octokit, where, asset, maxBytes);
}

/** SHA256SUMS lists a few assets: a few hundred bytes. */
const MAX_SUMS_BYTES = 64 * 1024;

const INCOMPLETE_RELEASE =
  'check the tag and the repository; a release pg-bundle publish left incomplete is completed by running publish again';

/**
 * The pin pin-bump would write for this release's bundle of `platform`, and that bundle's asset:
 * the versions and sizes from the platform's manifest (manifest-<platform>.json in a release of
 * several platforms, else manifest.json), the sha256 of both from its SHA256SUMS.
 */
export async function releasePin(
  octokit: GitHubClient,
  ref: ReleaseRef,
  release: Release,
  platform: string,
): Promise<{ pin: PinFile; asset: ReleaseAsset }> {
  const sumsAsset = assetNamed(release, ref, SHA256SUMS_ASSET, INCOMPLETE_RELEASE);
  const ownManifest = release.assets.some((a) => a.name === platformManifestName(platform));
  const manifestName = ownManifest ? platformManifestName(platform) : MANIFEST_ASSET;
  const manifestAsset = assetNamed(release, ref, manifestName, INCOMPLETE_RELEASE);
  const listed = await releaseSums(octokit, ref, sumsAsset);
  const manifest = await downloadReleaseManifest(octokit, ref, manifestAsset, listed);
  const asset = assetNamed(release, ref, bundleAssetName(ref.tag, manifest.platform), INCOMPLETE_RELEASE);
  return { pin: pinOfRelease(manifest, ref, release, { asset, manifestAsset, listed }), asset };
}

/** The sha256 the release's SHA256SUMS lists for an asset; an asset it does not list is refused. */
type ListedSha256 = (name: string) => string;

async function releaseSums(
  octokit: GitHubClient,
  ref: ReleaseRef,
  sumsAsset: ReleaseAsset,
): Promise<ListedSha256> {
  const repository = repositoryOf(ref);
  const sumsData = await downloadReleaseAsset(
    octokit,
    ref,
    sumsAsset,
    MAX_SUMS_BYTES,
    'a SHA256SUMS may have',
  );
  const sums = parseSha256Sums(
    sumsData.toString('utf8'),
    `SHA256SUMS of release ${ref.tag} in ${repository}`,
  );
  return (name: string): string => {
    const sum = sums.get(name);
    if (!sum)
      throw new UserError(
        `SHA256SUMS of release ${ref.tag} in ${repository} lists no sha256 for ${name}`,
        INCOMPLETE_RELEASE,
      );
    return sum;
  };
}

/** The release's manifest asset, checked against its SHA256SUMS and for the shape fetch relies on. */
async function downloadReleaseManifest(
  octokit: GitHubClient,
  ref: ReleaseRef,
  manifestAsset: ReleaseAsset,
  listed: ListedSha256,
): Promise<Manifest> {
  const manifestData = await downloadReleaseAsset(
    octokit,
    ref,
    manifestAsset,
    MAX_MANIFEST_BYTES,
    'a manifest may have',
  );
  const where = manifestWhere(manifestAsset, ref);
  const voucher = sumsVoucher(ref.tag, repositoryOf(ref));
  checkSha256(manifestData, listed(manifestAsset.name), manifestAsset.browser_download_url, where, voucher);
  const manifest = parseManifest(manifestData.toString('utf8'), where);
  const problems = manifestShapeProblems(manifest);
  if (problems.length) throw refuse(`${where}: ${problems.slice(0, 10).join('; ')}`);
  return manifest;
}

const manifestWhere = (manifestAsset: ReleaseAsset, ref: ReleaseRef) =>
  `${manifestAsset.name} of release ${ref.tag}`;

/** The pin of the release's bundle asset, as pin-bump would write it. */
function pinOfRelease(
  manifest: Manifest,
  ref: ReleaseRef,
  release: Release,
  assets: { asset: ReleaseAsset; manifestAsset: ReleaseAsset; listed: ListedSha256 },
): PinFile {
  const { asset, manifestAsset, listed } = assets;
  try {
    return pinFromManifest(manifest, {
      repository: repositoryOf(ref),
      tag: ref.tag,
      releaseUrl: release.html_url,
      assets: {
        [manifest.platform]: {
          assetName: asset.name,
          assetUrl: asset.browser_download_url,
          manifestUrl: manifestAsset.browser_download_url,
          sha256: listed(asset.name),
        },
      },
    });
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw refuse(`${manifestWhere(manifestAsset, ref)} lacks facts of a version (${errorMessage(err)})`);
  }
}
