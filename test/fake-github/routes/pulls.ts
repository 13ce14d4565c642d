/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): pull requests, requested reviewers
 * and issue labels, with GitHub's refusals: a second open PR for the same head and base, a PR
 * with no commits between base and head, reviewers who are not collaborators (when the repo was
 * seeded with `knownOwners`).
 */
import { labelObject, pullObject } from '../objects';
import {
  HandlerContext,
  HttpError,
  linkHeader,
  notFound,
  paginate,
  Route,
  validationFailed,
} from '../routing';
import { isAncestor, nextTimestamp, PullState } from '../state';

const PR_READ = [{ name: 'pull_requests', level: 'read' as const }];
const PR_WRITE = [{ name: 'pull_requests', level: 'write' as const }];

function pullByNumber(ctx: HandlerContext, key = 'pull_number'): PullState {
  const pull = ctx.repo.pulls.find((p) => p.number === Number(ctx.params[key]));
  if (!pull) throw notFound();
  return pull;
}

/** "owner:branch" or "branch" → branch, when the owner is this repository's owner. */
function headBranch(ctx: HandlerContext, head: string): string | undefined {
  const [owner, branch] = head.includes(':') ? head.split(':', 2) : [ctx.repo.owner, head];
  return owner.toLowerCase() === ctx.repo.owner.toLowerCase() ? branch : undefined;
}

export const pullRoutes: Route[] = [
  {
    operationId: 'pulls/list',
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls',
    needs: PR_READ,
    handler(ctx) {
      const state = ctx.query.state ?? 'open';
      let pulls = ctx.repo.pulls.filter((p) => state === 'all' || p.state === state);
      if (ctx.query.head) {
        const branch = headBranch(ctx, ctx.query.head);
        pulls = pulls.filter((p) => p.head === branch);
      }
      if (ctx.query.base) pulls = pulls.filter((p) => p.base === ctx.query.base);
      pulls = [...pulls].sort((a, b) => b.number - a.number);
      if (ctx.query.direction === 'asc') pulls.reverse();
      const page = paginate(pulls, ctx.query, ctx.url);
      return {
        status: 200,
        body: page.items.map((p) => pullObject(ctx.urls, ctx.repo, p, true)),
        headers: linkHeader(page),
      };
    },
  },
  {
    operationId: 'pulls/create',
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls',
    needs: PR_WRITE,
    handler(ctx) {
      const body = ctx.body as {
        title?: string;
        head: string;
        base: string;
        body?: string;
        draft?: boolean;
        maintainer_can_modify?: boolean;
      };
      const head = headBranch(ctx, body.head);
      const headSha = head && ctx.repo.refs.get(`refs/heads/${head}`);
      if (!head || !headSha) throw validationFailed('PullRequest', 'invalid', 'head');
      const baseSha = ctx.repo.refs.get(`refs/heads/${body.base}`);
      if (!baseSha) throw validationFailed('PullRequest', 'invalid', 'base');
      if (ctx.repo.pulls.some((p) => p.state === 'open' && p.head === head && p.base === body.base)) {
        throw validationFailed(
          'PullRequest',
          'custom',
          'head',
          `A pull request already exists for ${ctx.repo.owner}:${head}.`,
        );
      }
      if (isAncestor(ctx.repo, headSha, baseSha))
        throw validationFailed(
          'PullRequest',
          'custom',
          'head',
          `No commits between ${body.base} and ${head}`,
        );
      if (!body.title) throw validationFailed('PullRequest', 'missing_field', 'title');
      const now = nextTimestamp();
      const pull: PullState = {
        number: ctx.fake.nextIssueNumber(ctx.repo),
        id: ctx.fake.nextId(),
        title: body.title,
        body: body.body ?? null,
        head,
        base: body.base,
        state: 'open',
        draft: body.draft ?? false,
        maintainerCanModify: body.maintainer_can_modify ?? true,
        createdAt: now,
        updatedAt: now,
        labels: [],
        requestedReviewers: [],
        requestedTeams: [],
      };
      ctx.repo.pulls.push(pull);
      return { status: 201, body: pullObject(ctx.urls, ctx.repo, pull, false) };
    },
  },
  {
    operationId: 'pulls/get',
    method: 'GET',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    needs: PR_READ,
    handler: (ctx) => ({ status: 200, body: pullObject(ctx.urls, ctx.repo, pullByNumber(ctx), false) }),
  },
  {
    operationId: 'pulls/update',
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}',
    needs: PR_WRITE,
    handler(ctx) {
      const pull = pullByNumber(ctx);
      const body = ctx.body as {
        title?: string;
        body?: string;
        state?: 'open' | 'closed';
        base?: string;
        maintainer_can_modify?: boolean;
      };
      if (body.base !== undefined && !ctx.repo.refs.has(`refs/heads/${body.base}`))
        throw validationFailed('PullRequest', 'invalid', 'base');
      if (body.title !== undefined) pull.title = body.title;
      if (body.body !== undefined) pull.body = body.body;
      if (body.state !== undefined) pull.state = body.state;
      if (body.base !== undefined) pull.base = body.base;
      if (body.maintainer_can_modify !== undefined) pull.maintainerCanModify = body.maintainer_can_modify;
      pull.updatedAt = nextTimestamp();
      return { status: 200, body: pullObject(ctx.urls, ctx.repo, pull, false) };
    },
  },
  {
    operationId: 'pulls/request-reviewers',
    method: 'POST',
    path: '/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers',
    needs: PR_WRITE,
    handler(ctx) {
      const pull = pullByNumber(ctx);
      const body = ctx.body as { reviewers?: string[]; team_reviewers?: string[] };
      const known = ctx.repo.knownOwners;
      const users = body.reviewers ?? [];
      const teams = (body.team_reviewers ?? []).map((t) => t.replace(/^@?[^/]+\//, ''));
      if (known) {
        const unknown = [
          ...users.map((u) => `@${u.replace(/^@/, '')}`),
          ...teams.map((t) => `@${ctx.repo.owner}/${t}`),
        ].filter((o) => !known.has(o));
        if (unknown.length) {
          throw new HttpError(
            422,
            `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${ctx.repo.owner}/${ctx.repo.name} repository.`,
          );
        }
      }
      for (const u of users) if (!pull.requestedReviewers.includes(u)) pull.requestedReviewers.push(u);
      for (const t of teams) if (!pull.requestedTeams.includes(t)) pull.requestedTeams.push(t);
      return { status: 201, body: pullObject(ctx.urls, ctx.repo, pull, 'review') };
    },
  },
  {
    operationId: 'issues/add-labels',
    method: 'POST',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels',
    needs: [
      { name: 'issues', level: 'write' },
      { name: 'pull_requests', level: 'write' },
    ],
    handler(ctx) {
      const pull = pullByNumber(ctx, 'issue_number');
      const body = ctx.body as string[] | { labels?: (string | { name: string })[] } | undefined;
      const given = Array.isArray(body) ? body : (body?.labels ?? []);
      for (const l of given.map((x) => (typeof x === 'string' ? x : x.name)))
        if (!pull.labels.includes(l)) pull.labels.push(l);
      return { status: 200, body: pull.labels.map((name) => labelObject(ctx.urls, ctx.repo, name)) };
    },
  },
  {
    operationId: 'issues/remove-label',
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}',
    needs: [
      { name: 'issues', level: 'write' },
      { name: 'pull_requests', level: 'write' },
    ],
    handler(ctx) {
      const pull = pullByNumber(ctx, 'issue_number');
      if (!pull.labels.includes(ctx.params.name)) throw new HttpError(404, 'Label does not exist');
      pull.labels = pull.labels.filter((l) => l !== ctx.params.name);
      return { status: 200, body: pull.labels.map((name) => labelObject(ctx.urls, ctx.repo, name)) };
    },
  },
];
