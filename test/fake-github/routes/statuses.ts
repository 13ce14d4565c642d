/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): commit statuses, with GitHub's
 * refusals: a sha that is not a commit of the repository, a description over 140 characters.
 */
import { statusObject } from '../objects';
import { HttpError, linkHeader, paginate, Route, validationFailed } from '../routing';
import { nextTimestamp, StatusState } from '../state';

export const statusRoutes: Route[] = [
  {
    operationId: 'repos/list-commit-statuses-for-ref',
    method: 'GET',
    path: '/repos/{owner}/{repo}/commits/{ref}/statuses',
    needs: [{ name: 'statuses', level: 'read' }],
    handler(ctx) {
      const ref = ctx.params.ref;
      const sha = ctx.repo.refs.get(`refs/heads/${ref}`) ?? ctx.repo.refs.get(`refs/tags/${ref}`) ?? ref;
      // newest first, as GitHub lists them
      const statuses = ctx.repo.statuses.filter((s) => s.sha === sha).reverse();
      const page = paginate(statuses, ctx.query, ctx.url);
      return {
        status: 200,
        body: page.items.map((s) => statusObject(ctx.urls, ctx.repo, s)),
        headers: linkHeader(page),
      };
    },
  },
  {
    operationId: 'repos/create-commit-status',
    method: 'POST',
    path: '/repos/{owner}/{repo}/statuses/{sha}',
    needs: [{ name: 'statuses', level: 'write' }],
    handler(ctx) {
      const sha = ctx.params.sha;
      if (!ctx.repo.commits.has(sha)) throw new HttpError(422, `No commit found for SHA: ${sha}`);
      const body = ctx.body as {
        state: StatusState['state'];
        target_url?: string | null;
        description?: string | null;
        context?: string;
      };
      if ((body.description ?? '').length > 140)
        throw validationFailed(
          'Status',
          'custom',
          'description',
          'description is too long (maximum is 140 characters)',
        );
      const status: StatusState = {
        id: ctx.fake.nextId(),
        sha,
        state: body.state,
        context: body.context ?? 'default',
        description: body.description ?? null,
        targetUrl: body.target_url ?? null,
        createdAt: nextTimestamp(),
      };
      ctx.repo.statuses.push(status);
      return { status: 201, body: statusObject(ctx.urls, ctx.repo, status) };
    },
  },
];
