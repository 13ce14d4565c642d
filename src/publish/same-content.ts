/**
 * A rebuild whose files are those of the published release its tag names, but whose manifest says
 * something else about them (another commit of the same sources, so another source revision): the
 * release is the same release (its tag is derived from the files) and stays as it is. <out>/publish/
 * is made to hold the release's own assets, so that release.json, pin-bump and the attestation
 * describe the bytes that are published, not this build's.
 */
import { writeFileSync } from 'node:fs';
import { Manifest } from '../core/manifest';
import { parseManifest } from '../core/manifest-file';
import { GitHubClient } from '../github/client';
import { apiCall, httpStatus } from '../github/errors';
import { sha256 } from '../util/hash';
import { shown } from '../util/log-text';
import { Logger } from '../util/logger';
import { PreparedRelease } from './prepare';
import { contentDigest } from './release-identity';

type Release = Awaited<ReturnType<GitHubClient['rest']['repos']['getReleaseByTag']>>['data'];

interface Where {
  owner: string;
  repo: string;
  tag: string;
}

/** GitHub's sha256 of an asset (newer than the typed description, hence read as unknown). */
const digestOf = (asset: unknown) =>
  /^sha256:([0-9a-f]{64})$/i.exec((asset as { digest?: string | null }).digest ?? '')?.[1];

async function publishedRelease(octokit: GitHubClient, w: Where): Promise<Release | undefined> {
  try {
    const { data } = await octokit.rest.repos.getReleaseByTag({ owner: w.owner, repo: w.repo, tag: w.tag });
    return data;
  } catch (err) {
    if (httpStatus(err) === 404) return undefined; // none yet, or a draft: the normal flow handles both
    throw err;
  }
}

async function assetData(octokit: GitHubClient, w: Where, id: number): Promise<Buffer> {
  const { data } = await octokit.rest.repos.getReleaseAsset({
    owner: w.owner,
    repo: w.repo,
    asset_id: id,
    headers: { accept: 'application/octet-stream' },
  });
  return Buffer.from(data as unknown as ArrayBuffer);
}

/** What the two manifests say differently about the same files, e.g. "v15 source revision a → b". */
function differences(theirs: Manifest, ours: Manifest): string[] {
  const said: string[] = [];
  for (const [major, v] of Object.entries(ours.versions)) {
    const t = theirs.versions[major];
    if (t && t.source.revision !== v.source.revision)
      said.push(`v${major} source revision ${shown(t.source.revision)} → ${v.source.revision}`);
  }
  return said;
}

/** The release's manifest of each prepared platform, when every one describes the same files as ours. */
async function sameFiles(
  octokit: GitHubClient,
  w: Where,
  prepared: PreparedRelease,
  byName: Map<string, { id: number }>,
): Promise<Manifest[] | undefined> {
  const theirs: Manifest[] = [];
  for (const p of prepared.platforms) {
    const asset = byName.get(p.manifestName);
    if (!asset) return undefined;
    const manifest = parseManifest(
      (await assetData(octokit, w, asset.id)).toString('utf8'),
      `${p.manifestName} of release ${w.tag}`,
    );
    if (contentDigest(manifest) !== contentDigest(p.manifest)) return undefined; // other files: refused as usual
    theirs.push(manifest);
  }
  return theirs;
}

/**
 * When the published release with the prepared tag holds the same files (its manifest's content
 * digest) but other bytes for some asset: replaces the prepared assets under <out>/publish/ with
 * the release's and returns true. Otherwise changes nothing and returns false.
 */
export async function adoptSameContent(
  octokit: GitHubClient,
  w: Where,
  prepared: PreparedRelease,
  log: Logger,
): Promise<boolean> {
  const repository = `${w.owner}/${w.repo}`;
  return apiCall(`publishing ${w.tag}`, repository, 'contents: write', async () => {
    const release = await publishedRelease(octokit, w);
    if (!release) return false;
    const byName = new Map(release.assets.map((a) => [a.name, a]));
    const remote = prepared.assets.map((a) => ({ ours: a, theirs: byName.get(a.name) }));
    if (remote.some((r) => !r.theirs || r.theirs.state !== 'uploaded')) return false; // incomplete: completed as usual
    if (remote.every((r) => digestOf(r.theirs!) === r.ours.sha256)) return false; // identical: unchanged as usual
    const theirs = await sameFiles(octokit, w, prepared, byName);
    if (!theirs) return false;
    const said = theirs.flatMap((t, i) => differences(t, prepared.platforms[i].manifest));
    log.info(
      `release ${w.tag} already holds these files; its manifest differs from this build's in ${said.length ? said.join('; ') : 'facts that do not change the files'}: the release is left as it is, and ${prepared.dir} now holds its assets`,
    );
    for (const r of remote) {
      const data = await assetData(octokit, w, r.theirs!.id);
      writeFileSync(r.ours.path, data);
      Object.assign(r.ours, { sha256: sha256(data), size: data.length });
    }
    theirs.forEach((t, i) => (prepared.platforms[i].manifest = t));
    prepared.manifest = theirs[0];
    prepared.body = release.body ?? '';
    writeFileSync(prepared.bodyPath, prepared.body);
    return true;
  });
}
