/** Turns GitHub API failures into UserErrors that name the missing permission, and retries transient 422s. */
import { UserError } from '../util/errors';

export type Permission = 'contents: read' | 'contents: write' | 'pull-requests: write' | 'metadata: read';

/** An Octokit RequestError, recognised by shape (its class lives in a transitive dependency). */
export function httpStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown })?.status;
  return typeof status === 'number' ? status : undefined;
}

/** GitHub names the permissions an endpoint accepts in this header on a 403 ("contents=write; ..."). */
function acceptedPermissions(err: unknown): string | undefined {
  const headers = (err as { response?: { headers?: Record<string, string | undefined> } })?.response?.headers;
  return headers?.['x-accepted-github-permissions'] || undefined;
}

function apiMessage(err: unknown): string {
  const data = (
    err as { response?: { data?: { message?: string; errors?: Array<{ message?: string } | string> } } }
  )?.response?.data;
  const inner = (data?.errors ?? []).map((e) => (typeof e === 'string' ? e : e.message)).filter(Boolean);
  return [data?.message ?? (err instanceof Error ? err.message : String(err)), ...inner].join('; ');
}

/**
 * Runs one API call. 401 → bad token; 403, and 404 on a repository we could read before →
 * the token lacks `permission` on `repository`.
 */
export async function apiCall<T>(
  what: string,
  repository: string,
  permission: Permission,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const status = httpStatus(err);
    if (status === 401)
      throw new UserError(
        `GitHub rejected the token (401 ${apiMessage(err)}) while ${what}`,
        'pass a valid token with --token or GITHUB_TOKEN (a GitHub App installation token or a fine-grained token for the consumer repository)',
      );
    if (status === 403 && /rate limit/i.test(apiMessage(err)))
      throw new UserError(
        `GitHub's rate limit stopped ${what}: ${apiMessage(err)}`,
        'wait for the limit to reset and run pin-bump again',
      );
    if (
      status === 403 ||
      (status === 404 && permission !== 'contents: read' && permission !== 'metadata: read')
    ) {
      const accepted = acceptedPermissions(err);
      throw new UserError(
        `GitHub refused ${what} in ${repository} (${status} ${apiMessage(err)}): the token needs "${permission}" on ${repository}${accepted ? ` (GitHub accepts: ${accepted})` : ''}`,
        `grant "${permission}"${permission === 'pull-requests: write' ? ' (and "contents: write")' : permission === 'contents: write' ? ' (and "pull-requests: write")' : ''} on ${repository} to the GitHub App or fine-grained token; GITHUB_TOKEN cannot write to another repository`,
      );
    }
    if (status === 404)
      throw new UserError(
        `${repository} was not found while ${what} (404): the repository does not exist or the token cannot see it`,
        `check --repository and grant the token "${permission}" on ${repository}`,
      );
    throw err;
  }
}

export interface RetryOptions {
  attempts: number;
  delayMs: number;
  onRetry?: (attempt: number, err: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Retries a call that GitHub sometimes answers with 422 right after a pull request was created or
 * its branch moved (labels, review requests). Other errors are not retried.
 */
export async function retryOn422<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (httpStatus(err) !== 422 || attempt >= options.attempts) throw err;
      options.onRetry?.(attempt, err);
      await sleep(options.delayMs * attempt);
    }
  }
}

export { apiMessage };
