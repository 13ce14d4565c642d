/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): GET /repos/{owner}/{repo}, the
 * contents API (read, create/update with the blob sha, delete) and CODEOWNERS errors.
 */
import { contentDirEntry, contentFileObject, gitCommitObject, repoObject } from '../objects';
import { HandlerContext, HttpError, notFound, Route } from '../routing';
import { Commit, gitBlobSha, makeCommit } from '../state';
import { codeownersErrors, CODEOWNERS_LOCATIONS } from '../codeowners-errors';

const READ = [{ name: 'contents', level: 'read' as const }];
const WRITE = [{ name: 'contents', level: 'write' as const }];

/** Resolves a branch, tag or commit sha to a commit (default: the default branch). */
export function resolveCommit(ctx: HandlerContext, ref: string | undefined): Commit | undefined {
  const name = ref ?? ctx.repo.defaultBranch;
  const sha =
    ctx.repo.refs.get(`refs/heads/${name}`) ??
    ctx.repo.refs.get(`refs/tags/${name}`) ??
    ctx.repo.refs.get(name) ??
    name;
  return ctx.repo.commits.get(sha);
}

function fileCommitBody(ctx: HandlerContext, commit: Commit, content: unknown) {
  const c = gitCommitObject(ctx.urls, ctx.repo, commit);
  return { content, commit: c };
}

export const contentRoutes: Route[] = [
  {
    operationId: 'repos/get',
    method: 'GET',
    path: '/repos/{owner}/{repo}',
    needs: [],
    handler: (ctx) => ({ status: 200, body: repoObject(ctx.urls, ctx.repo, true) }),
  },
  {
    operationId: 'repos/get-content',
    method: 'GET',
    path: '/repos/{owner}/{repo}/contents/{path}',
    needs: READ,
    handler(ctx) {
      const commit = resolveCommit(ctx, ctx.query.ref);
      if (!commit)
        throw new HttpError(404, `No commit found for the ref ${ctx.query.ref ?? ctx.repo.defaultBranch}`);
      const ref = ctx.query.ref ?? ctx.repo.defaultBranch;
      const path = ctx.params.path.replace(/^\/+|\/+$/g, '');
      const data = commit.files.get(path);
      if (data) return { status: 200, body: contentFileObject(ctx.urls, ctx.repo, ref, path, data, true) };
      const prefix = path ? `${path}/` : '';
      const children = new Map<string, { type: 'file' | 'dir'; data?: Buffer }>();
      for (const [p, d] of commit.files) {
        if (!p.startsWith(prefix)) continue;
        const rest = p.slice(prefix.length).split('/');
        const child = prefix + rest[0];
        children.set(child, rest.length === 1 ? { type: 'file', data: d } : { type: 'dir' });
      }
      if (children.size === 0) throw notFound();
      const entries = [...children.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([p, c]) => contentDirEntry(ctx.urls, ctx.repo, ref, p, c.type, c.data));
      return { status: 200, body: entries };
    },
  },
  {
    operationId: 'repos/create-or-update-file-contents',
    method: 'PUT',
    path: '/repos/{owner}/{repo}/contents/{path}',
    needs: WRITE,
    handler(ctx) {
      const body = ctx.body as { message: string; content: string; sha?: string; branch?: string };
      const branch = body.branch ?? ctx.repo.defaultBranch;
      const head = ctx.repo.refs.get(`refs/heads/${branch}`);
      if (!head) throw new HttpError(404, `Branch ${branch} not found`);
      const commit = ctx.repo.commits.get(head) as Commit;
      const path = ctx.params.path;
      const existing = commit.files.get(path);
      if (existing && !body.sha) throw new HttpError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.');
      if (existing && body.sha !== gitBlobSha(existing))
        throw new HttpError(409, `${path} does not match ${body.sha}`);
      if (!existing && body.sha)
        throw new HttpError(422, `sha ${body.sha} given for ${path}, which does not exist on ${branch}`);
      const data = Buffer.from(body.content, 'base64');
      const files = new Map(commit.files);
      files.set(path, data);
      const next = makeCommit(ctx.repo, files, [head], body.message);
      ctx.repo.refs.set(`refs/heads/${branch}`, next.sha);
      return {
        status: existing ? 200 : 201,
        body: fileCommitBody(ctx, next, contentFileObject(ctx.urls, ctx.repo, branch, path, data, false)),
      };
    },
  },
  {
    operationId: 'repos/delete-file',
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/contents/{path}',
    needs: WRITE,
    handler(ctx) {
      const body = ctx.body as { message: string; sha: string; branch?: string };
      const branch = body.branch ?? ctx.repo.defaultBranch;
      const head = ctx.repo.refs.get(`refs/heads/${branch}`);
      if (!head) throw new HttpError(404, `Branch ${branch} not found`);
      const commit = ctx.repo.commits.get(head) as Commit;
      const existing = commit.files.get(ctx.params.path);
      if (!existing) throw notFound();
      if (body.sha !== gitBlobSha(existing))
        throw new HttpError(409, `${ctx.params.path} does not match ${body.sha}`);
      const files = new Map(commit.files);
      files.delete(ctx.params.path);
      const next = makeCommit(ctx.repo, files, [head], body.message);
      ctx.repo.refs.set(`refs/heads/${branch}`, next.sha);
      return { status: 200, body: fileCommitBody(ctx, next, null) };
    },
  },
  {
    operationId: 'repos/codeowners-errors',
    method: 'GET',
    path: '/repos/{owner}/{repo}/codeowners/errors',
    needs: [{ name: 'metadata', level: 'read' }],
    handler(ctx) {
      const commit = resolveCommit(ctx, ctx.query.ref);
      if (!commit) throw notFound();
      const location = CODEOWNERS_LOCATIONS.find((p) => commit.files.has(p));
      // GitHub answers 404 when the ref has no CODEOWNERS file.
      if (!location) throw notFound();
      return {
        status: 200,
        body: {
          errors: codeownersErrors(
            location,
            (commit.files.get(location) as Buffer).toString('utf8'),
            ctx.repo.knownOwners,
          ),
        },
      };
    },
  },
];
