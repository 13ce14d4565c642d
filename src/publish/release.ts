/**
 * The idempotent release flow:
 *   1. find the release by tag in the release list (GET /releases/tags/{tag} never returns drafts);
 *   2. if there is none, create it as a draft, once (a failed create is followed by a look-up,
 *      never by a blind second create);
 *   3. compare every asset with what is there (the asset's `digest` against our sha256; assets
 *      without a digest are downloaded and hashed): identical → keep, missing or broken → upload,
 *      different → refuse unless `replace` (then delete and upload again); nothing is changed
 *      before all differences are known;
 *   4. publish last (draft → false), and check the final asset set.
 * Re-running with the same assets changes nothing; an interrupted run (a draft with missing
 * assets) is completed by the next one.
 */
import { readFileSync } from 'node:fs';
import { UserError } from '../util/errors';
import { sha256 } from '../util/hash';
import { Logger } from '../util/logger';
import { GitHubClient } from '../github/client';
import { httpStatus } from '../github/errors';
import {
  DEFAULT_RETRY,
  HttpFailure,
  retryDecision,
  retryMessage,
  RetryPolicy,
  withRetries,
} from '../github/retry';

export interface AssetToPublish {
  name: string;
  path: string;
  sha256: string;
  size: number;
  contentType: string;
}

export interface PublishParams {
  owner: string;
  repo: string;
  tag: string;
  body: string;
  assets: AssetToPublish[];
  replace: boolean;
  log: Logger;
  /** Branch or sha the tag is created from when the release is published (default: the default branch). */
  targetCommitish?: string;
  /** whether the release becomes the repository's latest (sent on create and when the draft is published) */
  makeLatest?: MakeLatest;
  /** retries of the release creation (default DEFAULT_RETRY) */
  retry?: RetryPolicy;
}

export type MakeLatest = 'true' | 'false' | 'legacy';

export type PublishState = 'created' | 'completed' | 'unchanged' | 'updated';

export interface PublishOutcome {
  state: PublishState;
  releaseId: number;
  htmlUrl: string;
  uploaded: string[];
  kept: string[];
  replaced: string[];
}

interface RemoteRelease {
  id: number;
  tag_name: string;
  draft: boolean;
  body?: string | null;
  html_url: string;
  upload_url: string;
}

interface RemoteAsset {
  id: number;
  name: string;
  state: string;
  size: number;
  digest?: string | null;
}

interface Conflict {
  name: string;
  ours: string;
  theirs: string;
}

/** What publishing must do to the release's assets, decided before anything changes. */
interface AssetPlan {
  toUpload: AssetToPublish[];
  toReplace: { asset: AssetToPublish; existing: RemoteAsset }[];
  broken: RemoteAsset[];
  kept: string[];
}

function digestHex(asset: RemoteAsset): string | undefined {
  const m = /^sha256:([0-9a-f]{64})$/i.exec(asset.digest ?? '');
  return m?.[1].toLowerCase();
}

function isAlreadyExists(err: unknown): boolean {
  if (httpStatus(err) !== 422) return false;
  const data = (err as HttpFailure).response?.data as { errors?: { code?: string }[] } | undefined;
  return (data?.errors ?? []).some((e) => e.code === 'already_exists');
}

export class ReleasePublisher {
  constructor(
    private readonly octokit: GitHubClient,
    private readonly p: PublishParams,
  ) {}

  private get repoArgs() {
    return { owner: this.p.owner, repo: this.p.repo };
  }

  /** All releases with our tag (drafts included), published first, then oldest first. */
  async findReleases(): Promise<RemoteRelease[]> {
    const all = (await this.octokit.paginate(this.octokit.rest.repos.listReleases, {
      ...this.repoArgs,
      per_page: 100,
    })) as RemoteRelease[];
    return all
      .filter((r) => r.tag_name === this.p.tag)
      .sort((a, b) => Number(a.draft) - Number(b.draft) || a.id - b.id);
  }

  async findRelease(): Promise<RemoteRelease | undefined> {
    const found = await this.findReleases();
    if (found.length > 1)
      this.p.log.warn(
        `${found.length} releases carry tag ${this.p.tag} (ids ${found.map((r) => r.id).join(', ')}); using ${found[0].id}. Delete the others on GitHub.`,
      );
    return found[0];
  }

  /** Creates the draft once; after an ambiguous failure, looks it up instead of creating another. */
  async createDraft(): Promise<RemoteRelease> {
    const policy = this.p.retry ?? DEFAULT_RETRY;
    return withRetries(
      () => this.createDraftOrFindIt(),
      (err, attempt) => retryDecision(err as HttpFailure, attempt, policy, Date.now()),
      (decision, attempt) =>
        this.p.log.warn(retryMessage('creating the release', decision, attempt, policy.maxRetries)),
    );
  }

  private async createDraftOrFindIt(): Promise<RemoteRelease> {
    try {
      const { data } = await this.octokit.rest.repos.createRelease({
        ...this.repoArgs,
        tag_name: this.p.tag,
        name: this.p.tag,
        body: this.p.body,
        draft: true,
        ...(this.p.targetCommitish ? { target_commitish: this.p.targetCommitish } : {}),
        ...(this.p.makeLatest ? { make_latest: this.p.makeLatest } : {}),
        request: { noRetry: true },
      });
      return data as RemoteRelease;
    } catch (err) {
      const existing = await this.findRelease();
      if (!existing) throw err;
      this.p.log.info(
        `creating the release failed (${(err as Error).message}), but it exists now: using release ${existing.id}`,
      );
      return existing;
    }
  }

  async listAssets(releaseId: number): Promise<RemoteAsset[]> {
    return (await this.octokit.paginate(this.octokit.rest.repos.listReleaseAssets, {
      ...this.repoArgs,
      release_id: releaseId,
      per_page: 100,
    })) as RemoteAsset[];
  }

  /** sha256 of a remote asset: its digest, or (older assets without one) a download. */
  async remoteSha256(asset: RemoteAsset): Promise<string> {
    const fromDigest = digestHex(asset);
    if (fromDigest) return fromDigest;
    const { data } = await this.octokit.rest.repos.getReleaseAsset({
      ...this.repoArgs,
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' },
    });
    return sha256(Buffer.from(data as unknown as ArrayBuffer));
  }

  async upload(release: RemoteRelease, asset: AssetToPublish): Promise<RemoteAsset> {
    const data = readFileSync(asset.path);
    if (sha256(data) !== asset.sha256) throw new Error(`${asset.path} changed since it was prepared`);
    const { data: uploaded } = await this.octokit.rest.repos.uploadReleaseAsset({
      ...this.repoArgs,
      release_id: release.id,
      name: asset.name,
      url: release.upload_url,
      data: data as unknown as string,
      headers: { 'content-type': asset.contentType, 'content-length': data.length },
    });
    const result = uploaded as RemoteAsset;
    const digest = digestHex(result);
    if (digest && digest !== asset.sha256)
      throw new Error(
        `GitHub stored ${asset.name} with sha256 ${digest}, expected ${asset.sha256}: the upload was damaged; run publish again`,
      );
    return result;
  }

  async deleteAsset(asset: RemoteAsset): Promise<void> {
    await this.octokit.rest.repos.deleteReleaseAsset({ ...this.repoArgs, asset_id: asset.id });
  }

  /** Uploads; a 422 already_exists (a retried upload that had landed, or a broken leftover) is resolved by looking. */
  async uploadResolvingConflicts(release: RemoteRelease, asset: AssetToPublish): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        await this.upload(release, asset);
        return;
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        const existing = (await this.listAssets(release.id)).find((a) => a.name === asset.name);
        if (!existing) continue;
        if (existing.state !== 'uploaded') {
          this.p.log.info(`${asset.name}: removing a broken earlier upload (state ${existing.state})`);
          await this.deleteAsset(existing);
          continue;
        }
        const theirs = await this.remoteSha256(existing);
        if (theirs === asset.sha256) return;
        if (!this.p.replace) throw this.conflictError([{ name: asset.name, ours: asset.sha256, theirs }]);
        await this.deleteAsset(existing);
      }
    }
    throw new Error(`could not upload ${asset.name}: GitHub kept answering already_exists`);
  }

  conflictError(conflicts: Conflict[]): UserError {
    const list = conflicts
      .map((c) => `  ${c.name}: release has sha256 ${c.theirs}, this build has ${c.ours}`)
      .join('\n');
    return new UserError(
      `release ${this.p.tag} in ${this.p.owner}/${this.p.repo} already has assets that differ from this build:\n${list}`,
      `publish under a new --tag, or pass --replace to replace the assets of ${this.p.tag}`,
    );
  }

  async run(): Promise<PublishOutcome> {
    const found = await this.findOrCreateRelease();
    let state = found.state;
    const plan = await this.planAssets(found.release);
    await this.applyAssetPlan(found.release, plan);
    if (state === 'unchanged' && (plan.toUpload.length || plan.toReplace.length)) state = 'updated';
    const release = await this.finishRelease(found.release, state);
    await this.checkFinalAssets(release.id);
    return {
      state,
      releaseId: release.id,
      htmlUrl: release.html_url,
      uploaded: plan.toUpload.map((a) => a.name),
      kept: plan.kept,
      replaced: plan.toReplace.map((r) => r.asset.name),
    };
  }

  private async findOrCreateRelease(): Promise<{ release: RemoteRelease; state: PublishState }> {
    const existing = await this.findRelease();
    if (existing) {
      const kind = existing.draft ? 'draft' : 'published';
      this.p.log.info(`found ${kind} release ${existing.id} for ${this.p.tag}`);
      return { release: existing, state: existing.draft ? 'completed' : 'unchanged' };
    }
    const release = await this.createDraft();
    this.p.log.info(`created draft release ${release.id} for ${this.p.tag}`);
    return { release, state: 'created' };
  }

  /** Compares our assets with the release's; refuses differing ones unless `replace`. Changes nothing. */
  private async planAssets(release: RemoteRelease): Promise<AssetPlan> {
    const remote = await this.listAssets(release.id);
    const byName = new Map(remote.map((a) => [a.name, a]));
    const plan: AssetPlan = { toUpload: [], toReplace: [], broken: [], kept: [] };
    const conflicts: Conflict[] = [];
    for (const asset of this.p.assets) {
      const existing = byName.get(asset.name);
      if (!existing) plan.toUpload.push(asset);
      else if (existing.state !== 'uploaded') {
        plan.broken.push(existing);
        plan.toUpload.push(asset);
      } else {
        const theirs = await this.remoteSha256(existing);
        if (theirs === asset.sha256) plan.kept.push(asset.name);
        else {
          conflicts.push({ name: asset.name, ours: asset.sha256, theirs });
          plan.toReplace.push({ asset, existing });
        }
      }
    }
    const extra = remote.filter((a) => !this.p.assets.some((x) => x.name === a.name));
    if (extra.length)
      this.p.log.warn(
        `release ${this.p.tag} has assets this build does not make (left alone): ${extra.map((a) => a.name).join(', ')}`,
      );
    if (conflicts.length && !this.p.replace) throw this.conflictError(conflicts);
    if (!release.draft && (plan.toUpload.length || plan.toReplace.length))
      this.p.log.warn(
        `release ${this.p.tag} is already published; changing its assets (this fails on immutable releases)`,
      );
    return plan;
  }

  private async applyAssetPlan(release: RemoteRelease, plan: AssetPlan): Promise<void> {
    const { log } = this.p;
    for (const b of plan.broken) {
      log.info(`${b.name}: removing a broken earlier upload (state ${b.state})`);
      await this.deleteAsset(b);
    }
    for (const { asset, existing } of plan.toReplace) {
      log.info(`${asset.name}: replacing (--replace)`);
      await this.deleteAsset(existing);
      await this.uploadResolvingConflicts(release, asset);
    }
    for (const asset of plan.toUpload) {
      log.info(`${asset.name}: uploading ${asset.size} bytes`);
      await this.uploadResolvingConflicts(release, asset);
    }
  }

  /** Publishes a draft (last, so that a release is never public with missing assets), or updates the body. */
  private async finishRelease(release: RemoteRelease, state: PublishState): Promise<RemoteRelease> {
    const bodyChanged = (release.body ?? '') !== this.p.body;
    if (release.draft) {
      const { data } = await this.octokit.rest.repos.updateRelease({
        ...this.repoArgs,
        release_id: release.id,
        body: this.p.body,
        draft: false,
        // drafts cannot be latest: the choice takes effect when the release is published
        ...(this.p.makeLatest ? { make_latest: this.p.makeLatest } : {}),
      });
      this.p.log.info(`published release ${this.p.tag}`);
      return data as RemoteRelease;
    }
    if (bodyChanged && (this.p.replace || state === 'updated')) {
      const { data } = await this.octokit.rest.repos.updateRelease({
        ...this.repoArgs,
        release_id: release.id,
        body: this.p.body,
      });
      return data as RemoteRelease;
    }
    return release;
  }

  private async checkFinalAssets(releaseId: number): Promise<void> {
    const remote = new Map((await this.listAssets(releaseId)).map((a) => [a.name, a]));
    for (const asset of this.p.assets) {
      const r = remote.get(asset.name);
      if (!r || r.state !== 'uploaded')
        throw new Error(
          `after publishing, ${asset.name} is ${r ? `in state ${r.state}` : 'missing'} on release ${this.p.tag}; run publish again`,
        );
      const digest = digestHex(r);
      if (digest && digest !== asset.sha256)
        throw new Error(
          `after publishing, ${asset.name} has sha256 ${digest} on GitHub, expected ${asset.sha256}`,
        );
    }
  }
}

export function publishRelease(octokit: GitHubClient, params: PublishParams): Promise<PublishOutcome> {
  return new ReleasePublisher(octokit, params).run();
}
