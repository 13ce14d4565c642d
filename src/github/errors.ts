/**
 * GitHub API failures turned into UserErrors that name what was refused and the permission it
 * needs, or the host that could not be reached.
 */
import { UserError } from '../util/errors';
import { HttpFailure, responseHeader } from './retry';

export type Permission =
  | 'contents: read'
  | 'contents: write'
  | 'pull-requests: read'
  | 'pull-requests: write'
  | 'statuses: write'
  | 'metadata: read';

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

/** The request an Octokit RequestError carries (its authorization header redacted, not removed). */
interface FailedRequest {
  request?: { method?: string; url?: string; headers?: Record<string, string | number | undefined> };
}

/** Whether the failed call went out without a token (an anonymous client). */
function sentWithoutToken(err: unknown): boolean {
  const headers = (err as FailedRequest)?.request?.headers;
  return headers !== undefined && !headers.authorization;
}

/** Connection failures by their Node.js or undici code, in words. */
const CONNECTION_FAILURES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connection timed out',
  ECONNRESET: 'connection reset',
  UND_ERR_SOCKET: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/**
 * An error and its causes, by shape: the causes Node.js and undici attach come from another realm
 * under test runners (jest), where `instanceof Error` is false for them.
 */
function causeChain(err: unknown): { message: string; code?: unknown }[] {
  const chain: { message: string; code?: unknown }[] = [];
  for (let at = err; chain.length < 5 && typeof at === 'object' && at !== null;) {
    // an own data property only: Octokit's RequestError has a deprecated `code` getter that warns
    const code = Object.getOwnPropertyDescriptor(at, 'code')?.value as unknown;
    const message = (at as { message?: unknown }).message;
    chain.push({ message: typeof message === 'string' ? message : '', code });
    // an AggregateError (one failure per address tried) has no cause: follow its first error
    const { cause, errors } = at as { cause?: unknown; errors?: unknown };
    at = cause ?? (Array.isArray(errors) ? errors[0] : undefined);
  }
  return chain;
}

/**
 * The connection failure code of an error or of its causes; Octokit's RequestError keeps only the
 * message of the fetch failure ("connect ECONNREFUSED 127.0.0.1:443"), so messages are read too.
 */
function connectionFailureCode(err: unknown): string | undefined {
  for (const { message, code } of causeChain(err)) {
    if (typeof code === 'string' && code in CONNECTION_FAILURES) return code;
    const named = Object.keys(CONNECTION_FAILURES).find((c) => new RegExp(`\\b${c}\\b`).test(message));
    if (named) return named;
  }
  return undefined;
}

/**
 * What a failed request says about itself: the innermost message of its causes that says more
 * than undici's "fetch failed" (e.g. "connect ECONNREFUSED 127.0.0.1:443"), with its code when the
 * message does not name it ("UND_ERR_CONNECT_TIMEOUT: Connect Timeout Error").
 */
export function failureDetail(err: unknown): string {
  const chain = causeChain(err);
  const told = chain.filter((e) => e.message !== '' && e.message !== 'fetch failed').pop();
  const code = [told?.code, ...chain.map((e) => e.code)].find((c) => typeof c === 'string') as
    string | undefined;
  const message = told?.message ?? '';
  if (code === undefined) return message || (chain[0]?.message ?? '');
  if (message.includes(code)) return message;
  return message ? `${code}: ${message}` : code;
}

function inWords(words: string, detail: string): string {
  return detail && detail !== words ? `${words} (${detail})` : words;
}

/**
 * A failed connection in words (pure), e.g. "connection refused (connect ECONNREFUSED
 * 127.0.0.1:41234)"; undefined when neither the error nor its causes carry a connection failure code.
 */
export function connectionFailure(err: unknown): string | undefined {
  const code = connectionFailureCode(err);
  return code === undefined ? undefined : inWords(CONNECTION_FAILURES[code], failureDetail(err));
}

export interface NetworkFailure {
  /** host[:port] the request went to */
  host: string;
  /** e.g. "GET /repos/acme/compute/releases/tags/t1" */
  request: string;
  /** e.g. "connection refused (connect ECONNREFUSED 127.0.0.1:41234)" */
  reason: string;
}

/**
 * A GitHub API request that got no answer at all (pure): an Octokit RequestError without a
 * response, which @octokit/request throws with status 500 when its fetch failed (refused, DNS,
 * timeout, TLS). An error with a response is GitHub's answer, never a network failure.
 */
export function networkFailure(err: unknown): NetworkFailure | undefined {
  if (typeof err !== 'object' || err === null || err instanceof UserError) return undefined;
  const { status, response } = err as HttpFailure;
  const { request } = err as FailedRequest;
  if (response !== undefined || typeof request?.url !== 'string') return undefined;
  const code = connectionFailureCode(err);
  if (code === undefined && status !== undefined && status !== 500) return undefined;
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return undefined;
  }
  return {
    host: url.host,
    request: `${request.method ?? 'GET'} ${url.pathname}`,
    reason: inWords(code ? CONNECTION_FAILURES[code] : 'no answer', failureDetail(err)),
  };
}

/**
 * A network failure left after the retries, as a UserError naming the host and what failed;
 * undefined for any other error. `doing` defaults to the request itself.
 */
export function explainNetworkFailure(err: unknown, doing?: string): UserError | undefined {
  const failure = networkFailure(err);
  if (!failure) return undefined;
  return new UserError(
    `cannot reach the GitHub API at ${failure.host} while ${doing ?? `sending ${failure.request}`}: ${failure.reason}`,
    'check --api-url (or GITHUB_API_URL) and that this machine can reach that host (network, DNS, proxy), then run the command again',
  );
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
  /** what named the repository and the object, for the fix (default: "--repository, the tag or pin") */
  namedBy?: string;
}

/**
 * The one translation of GitHub failures: no answer (refused, DNS, timeout) → the host and
 * --api-url; 401 → bad token; 403 (not a rate limit), and 404 on a write to a repository that
 * could be read → the token lacks `permission`; 404 → not found (or private, without a token);
 * a 403 rate limit left after the retries → wait; a 5xx left after the retries → GitHub's side, wait.
 * Other errors are returned unchanged.
 */
export function explainGitHubError(err: unknown, call: GitHubCall): unknown {
  const status = httpStatus(err);
  const { doing, repository, permission } = call;
  const namedBy = call.namedBy ?? '--repository, the tag or pin';
  const unreachable = explainNetworkFailure(err, doing);
  if (unreachable) return unreachable;
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
  const writing = permission.endsWith(': write');
  if (status === 403 || (status === 404 && writing)) {
    const accepted = responseHeader(err as HttpFailure, 'x-accepted-github-permissions');
    return new UserError(
      `GitHub refused ${doing} in ${repository} (${status} ${apiMessage(err)}): the token needs "${permission}" on ${repository}${accepted ? ` (GitHub accepts: ${accepted})` : ''}`,
      `grant "${permission}"${ALSO_NEEDED[permission] ?? ''} on ${repository} (workflow token: a permissions: block; another repository: a GitHub App or fine-grained token, GITHUB_TOKEN cannot write there)`,
    );
  }
  // GitHub hides a private repository from a caller without a token behind the same 404
  if (status === 404 && sentWithoutToken(err))
    return new UserError(
      `${repository} or the requested object was not found while ${doing} (404 ${apiMessage(err)}): it does not exist, or it is private and no token was sent`,
      `check ${namedBy}; for a private repository pass a token with "${permission}" on ${repository} (--token or GITHUB_TOKEN)`,
    );
  if (status === 404)
    return new UserError(
      `${repository} or the requested object was not found while ${doing} (404 ${apiMessage(err)}): it does not exist or the token cannot see it`,
      `check ${namedBy}, and that the token has "${permission}" on ${repository}`,
    );
  // a server error that outlived the retries (the policy retries 5xx): GitHub's side
  if (status !== undefined && status >= 500)
    return new UserError(
      `GitHub kept failing while ${doing} in ${repository} (${status} ${apiMessage(err)}), also after the retries`,
      'wait and run the command again (https://www.githubstatus.com shows incidents); what was already done is kept and reused',
    );
  return err;
}

/** Runs one API call and translates its failure (explainGitHubError). */
export async function apiCall<T>(
  doing: string,
  repository: string,
  permission: Permission,
  fn: () => Promise<T>,
  namedBy?: string,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw explainGitHubError(err, { doing, repository, permission, namedBy });
  }
}
