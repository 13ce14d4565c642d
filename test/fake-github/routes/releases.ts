/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): releases and release assets,
 * with GitHub's observable behaviour: `GET /releases/tags/{tag}` never returns drafts, a
 * duplicate asset name is 422 `already_exists`, an asset carries `digest: "sha256:<hex>"`,
 * uploads go to the `upload_url` origin, publishing a release creates its tag.
 */
import { createHash } from 'node:crypto';
import { assetObject, releaseObject } from '../objects';
import {
  grants,
  HandlerContext,
  linkHeader,
  notFound,
  paginate,
  Reply,
  Route,
  validationFailed,
} from '../routing';
import { nextTimestamp, ReleaseState } from '../state';

const READ = [{ name: 'contents', level: 'read' as const }];
const WRITE = [{ name: 'contents', level: 'write' as const }];

function visibleReleases(ctx: HandlerContext): ReleaseState[] {
  // Drafts are only visible to users with push access; every FakeGitHub token with contents:write has it.
  const canPush = grants(ctx.permissions, 'contents', 'write');
  return ctx.repo.releases.filter((r) => !r.draft || canPush);
}

function releaseById(ctx: HandlerContext): ReleaseState {
  const release = visibleReleases(ctx).find((r) => r.id === Number(ctx.params.release_id));
  if (!release) throw notFound();
  return release;
}

function sortedNewestFirst(releases: ReleaseState[]): ReleaseState[] {
  return [...releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
}

function ensureTag(ctx: HandlerContext, release: ReleaseState): void {
  const ref = `refs/tags/${release.tagName}`;
  if (ctx.repo.refs.has(ref)) return;
  const target =
    ctx.repo.refs.get(`refs/heads/${release.targetCommitish}`) ??
    (ctx.repo.commits.has(release.targetCommitish) ? release.targetCommitish : undefined);
  if (!target) throw validationFailed('Release', 'invalid', 'target_commitish');
  ctx.repo.refs.set(ref, target);
}

function releaseReply(ctx: HandlerContext, status: number, release: ReleaseState): Reply {
  return { status, body: releaseObject(ctx.urls, ctx.repo, release) };
}

export const releaseRoutes: Route[] = [
  {
    operationId: 'repos/list-releases',
    method: 'GET',
    path: '/repos/{owner}/{repo}/releases',
    needs: READ,
    handler(ctx) {
      const page = paginate(sortedNewestFirst(visibleReleases(ctx)), ctx.query, ctx.url);
      return {
        status: 200,
        body: page.items.map((r) => releaseObject(ctx.urls, ctx.repo, r)),
        headers: linkHeader(page),
      };
    },
  },
  {
    operationId: 'repos/create-release',
    method: 'POST',
    path: '/repos/{owner}/{repo}/releases',
    needs: WRITE,
    handler(ctx) {
      const body = ctx.body as {
        tag_name: string;
        target_commitish?: string;
        name?: string;
        body?: string;
        draft?: boolean;
        prerelease?: boolean;
        make_latest?: string;
      };
      if (ctx.repo.releases.some((r) => r.tagName === body.tag_name && !r.draft))
        throw validationFailed('Release', 'already_exists', 'tag_name');
      const release: ReleaseState = {
        id: ctx.fake.nextId(),
        tagName: body.tag_name,
        targetCommitish: body.target_commitish ?? ctx.repo.defaultBranch,
        makeLatest: body.make_latest,
        name: body.name ?? null,
        body: body.body ?? null,
        draft: body.draft ?? false,
        prerelease: body.prerelease ?? false,
        createdAt: nextTimestamp(),
        publishedAt: null,
        assetIds: [],
      };
      if (!release.draft) {
        ensureTag(ctx, release);
        release.publishedAt = nextTimestamp();
      }
      ctx.repo.releases.push(release);
      return releaseReply(ctx, 201, release);
    },
  },
  {
    operationId: 'repos/get-release',
    method: 'GET',
    path: '/repos/{owner}/{repo}/releases/{release_id}',
    needs: READ,
    handler: (ctx) => releaseReply(ctx, 200, releaseById(ctx)),
  },
  {
    operationId: 'repos/get-release-by-tag',
    method: 'GET',
    path: '/repos/{owner}/{repo}/releases/tags/{tag}',
    needs: READ,
    handler(ctx) {
      // Real behaviour: drafts are never returned here, even to users with push access.
      const release = ctx.repo.releases.find((r) => r.tagName === ctx.params.tag && !r.draft);
      if (!release) throw notFound();
      return releaseReply(ctx, 200, release);
    },
  },
  {
    operationId: 'repos/update-release',
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/releases/{release_id}',
    needs: WRITE,
    handler(ctx) {
      const release = releaseById(ctx);
      const body = ctx.body as Partial<{
        tag_name: string;
        target_commitish: string;
        name: string;
        body: string;
        draft: boolean;
        prerelease: boolean;
        make_latest: string;
      }>;
      if (body.tag_name !== undefined) release.tagName = body.tag_name;
      if (body.target_commitish !== undefined) release.targetCommitish = body.target_commitish;
      if (body.make_latest !== undefined) release.makeLatest = body.make_latest;
      if (body.name !== undefined) release.name = body.name;
      if (body.body !== undefined) release.body = body.body;
      if (body.prerelease !== undefined) release.prerelease = body.prerelease;
      if (body.draft === false && release.draft) {
        if (ctx.repo.releases.some((r) => r !== release && r.tagName === release.tagName && !r.draft))
          throw validationFailed('Release', 'already_exists', 'tag_name');
        ensureTag(ctx, release);
        release.draft = false;
        release.publishedAt = nextTimestamp();
      } else if (body.draft === true) {
        release.draft = true;
      }
      return releaseReply(ctx, 200, release);
    },
  },
  {
    operationId: 'repos/delete-release',
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/releases/{release_id}',
    needs: WRITE,
    handler(ctx) {
      const release = releaseById(ctx);
      ctx.repo.releases = ctx.repo.releases.filter((r) => r !== release);
      for (const id of release.assetIds) ctx.repo.assets.delete(id);
      return { status: 204 };
    },
  },
  {
    operationId: 'repos/list-release-assets',
    method: 'GET',
    path: '/repos/{owner}/{repo}/releases/{release_id}/assets',
    needs: READ,
    handler(ctx) {
      const release = releaseById(ctx);
      const assets = release.assetIds.map((id) => ctx.repo.assets.get(id)).filter((a) => a !== undefined);
      const page = paginate(assets, ctx.query, ctx.url);
      return {
        status: 200,
        body: page.items.map((a) => assetObject(ctx.urls, ctx.repo, a)),
        headers: linkHeader(page),
      };
    },
  },
  {
    operationId: 'repos/upload-release-asset',
    method: 'POST',
    path: '/repos/{owner}/{repo}/releases/{release_id}/assets',
    needs: WRITE,
    uploads: true,
    handler(ctx) {
      const release = releaseById(ctx);
      const data = ctx.body as Buffer;
      const name = ctx.query.name;
      const existing = release.assetIds.map((id) => ctx.repo.assets.get(id)).find((a) => a?.name === name);
      if (existing) throw validationFailed('ReleaseAsset', 'already_exists', 'name');
      const now = nextTimestamp();
      const id = ctx.fake.nextId();
      ctx.repo.assets.set(id, {
        id,
        releaseId: release.id,
        name,
        label: ctx.query.label ?? null,
        contentType: String(ctx.headers['content-type'] ?? 'application/octet-stream'),
        state: 'uploaded',
        data,
        digest:
          ctx.fake.options.assetDigests === false
            ? null
            : `sha256:${createHash('sha256').update(data).digest('hex')}`,
        createdAt: now,
        updatedAt: now,
      });
      release.assetIds.push(id);
      return { status: 201, body: assetObject(ctx.urls, ctx.repo, ctx.repo.assets.get(id)!) };
    },
  },
  {
    operationId: 'repos/get-release-asset',
    method: 'GET',
    path: '/repos/{owner}/{repo}/releases/assets/{asset_id}',
    needs: READ,
    handler(ctx) {
      const asset = ctx.repo.assets.get(Number(ctx.params.asset_id));
      if (!asset || !visibleReleases(ctx).some((r) => r.id === asset.releaseId)) throw notFound();
      if (String(ctx.headers.accept ?? '').includes('application/octet-stream')) {
        // Like GitHub: redirect to a short-lived, pre-signed download URL that needs no token.
        return { status: 302, headers: { location: ctx.fake.signedDownloadUrl(ctx.repo, asset.id) } };
      }
      return { status: 200, body: assetObject(ctx.urls, ctx.repo, asset) };
    },
  },
  {
    operationId: 'repos/delete-release-asset',
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/releases/assets/{asset_id}',
    needs: WRITE,
    handler(ctx) {
      const asset = ctx.repo.assets.get(Number(ctx.params.asset_id));
      if (!asset) throw notFound();
      ctx.repo.assets.delete(asset.id);
      const release = ctx.repo.releases.find((r) => r.id === asset.releaseId);
      if (release) release.assetIds = release.assetIds.filter((id) => id !== asset.id);
      return { status: 204 };
    },
  },
];
