/** GitHub API failures turned into UserErrors that name what was refused and the permission it needs. */
import { UserError } from '../util/errors';
import { HttpFailure, responseHeader } from './retry';

export type Permission = 'contents: read' | 'contents: write' | 'pull-requests: write' | 'metadata: read';

/** The status of an Octokit RequestError, recognised by shape (its class lives in a transitive dependency). */
export function httpStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub's message plus the messages of its `errors` list. */
export function apiMessage(err: unknown): string {
  const data = (
    err as { response?: { data?: { message?: string; errors?: Array<{ message?: string } | string> } } }
  )?.response?.data;
  const inner = (data?.errors ?? []).map((e) => (typeof e === 'string' ? e : e.message)).filter(Boolean);
  return [data?.message ?? (err instanceof Error ? err.message : String(err)), ...inner].join('; ');
}

function isRateLimited(err: unknown): boolean {
  const failure = err as HttpFailure;
  return (
    responseHeader(failure, 'retry-after') !== undefined ||
    responseHeader(failure, 'x-ratelimit-remaining') === '0' ||
    /rate limit/i.test(apiMessage(err))
  );
}

const ALSO_NEEDED: Partial<Record<Permission, string>> = {
  'pull-requests: write': ' (and "contents: write")',
  'contents: write': ' (and "pull-requests: write" for pin-bump)',
};

export interface GitHubCall {
  /** what was being done, e.g. "reading branch main" */
  doing: string;
  /** owner/name */
  repository: string;
  /** what the call needs from the token */
  permission: Permission;
}

/**
 * The one translation of GitHub failures: 401 → bad token; 403 (not a rate limit), and 404 on a
 * write to a repository that could be read → the token lacks `permission`; 404 → not found;
 * a 403 rate limit left after the retries → wait. Other errors are returned unchanged.
 */
export function explainGitHubError(err: unknown, call: GitHubCall): unknown {
  const status = httpStatus(err);
  const { doing, repository, permission } = call;
  if (status === 401)
    return new UserError(
      `GitHub rejected the token (401 ${apiMessage(err)}) while ${doing}`,
      `pass a valid token with "${permission}" on ${repository} (--token or GITHUB_TOKEN; a GitHub App installation token or a fine-grained token)`,
    );
  if (status === 403 && isRateLimited(err))
    return new UserError(
      `GitHub's rate limit stopped ${doing}: ${apiMessage(err)}`,
      'wait for the limit to reset and run the command again',
    );
  const writing = permission !== 'contents: read' && permission !== 'metadata: read';
  if (status === 403 || (status === 404 && writing)) {
    const accepted = responseHeader(err as HttpFailure, 'x-accepted-github-permissions');
    return new UserError(
      `GitHub refused ${doing} in ${repository} (${status} ${apiMessage(err)}): the token needs "${permission}" on ${repository}${accepted ? ` (GitHub accepts: ${accepted})` : ''}`,
      `grant "${permission}"${ALSO_NEEDED[permission] ?? ''} on ${repository} (workflow token: a permissions: block; another repository: a GitHub App or fine-grained token, GITHUB_TOKEN cannot write there)`,
    );
  }
  if (status === 404)
    return new UserError(
      `${repository} or the requested object was not found while ${doing} (404 ${apiMessage(err)}): it does not exist or the token cannot see it`,
      `check --repository, the tag or pin, and that the token has "${permission}" on ${repository}`,
    );
  return err;
}

/** Runs one API call and translates its failure (explainGitHubError). */
export async function apiCall<T>(
  doing: string,
  repository: string,
  permission: Permission,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainGitHubError(err, { doing, repository, permission });
  }
}
