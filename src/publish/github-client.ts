/**
 * Octokit for publish and fetch: @actions/github's getOctokit with a bounded retry on transient
 * failures (5xx, dropped connections) and rate limits (honouring `retry-after` and
 * `x-ratelimit-reset`), and GitHub errors turned into UserErrors that name the permission needed.
 */
import { getOctokit } from '@actions/github';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';

export type Octokit = ReturnType<typeof getOctokit>;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff for 5xx / network errors; doubles each time. */
  baseDelayMs: number;
  /** Longest single wait (a rate limit that resets later fails instead of hanging the job). */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 1000, maxWaitMs: 120_000 };

/** What Octokit's RequestError exposes (status 500 without response = network failure). */
export interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export type RetryDecision =
  { retry: true; delayMs: number; reason: string } | { retry: false; reason?: string };

function header(err: HttpFailure, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

/** Whether and when to retry a failed request (pure). `attempt` is 1 for the first retry. */
export function retryDecision(
  err: HttpFailure,
  attempt: number,
  policy: RetryPolicy,
  nowMs: number,
): RetryDecision {
  if (attempt > policy.maxRetries)
    return { retry: false, reason: `gave up after ${policy.maxRetries} retries` };
  const status = err.status ?? 0;
  const retryAfter = header(err, 'retry-after');
  const remaining = header(err, 'x-ratelimit-remaining');
  const reset = header(err, 'x-ratelimit-reset');
  const bounded = (ms: number, reason: string): RetryDecision =>
    ms > policy.maxWaitMs
      ? {
          retry: false,
          reason: `${reason}: would have to wait ${Math.ceil(ms / 1000)} s (more than ${policy.maxWaitMs / 1000} s)`,
        }
      : { retry: true, delayMs: Math.max(ms, 0), reason };
  if ((status === 403 || status === 429) && retryAfter !== undefined && /^\d+$/.test(retryAfter)) {
    return bounded(Number(retryAfter) * 1000, `rate limited (${status}, retry-after ${retryAfter} s)`);
  }
  if ((status === 403 || status === 429) && remaining === '0' && reset !== undefined && /^\d+$/.test(reset)) {
    return bounded(
      Number(reset) * 1000 - nowMs + 1000,
      `rate limit exhausted (resets at ${new Date(Number(reset) * 1000).toISOString()})`,
    );
  }
  if ((status === 403 || status === 429) && /secondary rate limit/i.test(err.message ?? '')) {
    return bounded(60_000, 'secondary rate limit without retry-after');
  }
  if (status === 429) return bounded(policy.baseDelayMs * 2 ** (attempt - 1), 'too many requests (429)');
  if (status >= 500) {
    const what = err.response
      ? `server error ${status}`
      : `network failure (${err.message ?? 'connection lost'})`;
    return bounded(policy.baseDelayMs * 2 ** (attempt - 1), what);
  }
  return { retry: false };
}

export interface ClientOptions {
  token: string;
  /** API base URL (default https://api.github.com) */
  baseUrl?: string;
  log: Logger;
  retry?: Partial<RetryPolicy>;
}

/** Request option: `request: { noRetry: true }` disables retries for one non-idempotent call. */
export interface NoRetryRequestOption {
  noRetry?: boolean;
}

export function createGitHubClient(options: ClientOptions): Octokit {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...(options.retry ?? {}) };
  const octokit = getOctokit(
    options.token,
    options.baseUrl ? { baseUrl: options.baseUrl.replace(/\/+$/, '') } : {},
  );
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const noRetry = (requestOptions.request as NoRetryRequestOption | undefined)?.noRetry === true;
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (err) {
        const decision = noRetry
          ? ({ retry: false } as RetryDecision)
          : retryDecision(err as HttpFailure, attempt, policy, Date.now());
        if (!decision.retry) {
          if (decision.reason && (err as HttpFailure).status !== undefined)
            options.log.warn(`${requestOptions.method} ${requestOptions.url}: ${decision.reason}`);
          throw err;
        }
        options.log.warn(
          `${requestOptions.method} ${requestOptions.url}: ${decision.reason}; retry ${attempt}/${policy.maxRetries} in ${(decision.delayMs / 1000).toFixed(1)} s`,
        );
        await new Promise((r) => setTimeout(r, decision.delayMs));
      }
    }
  });
  return octokit;
}

export function isGitHubError(err: unknown): err is HttpFailure & Error {
  return err instanceof Error && typeof (err as HttpFailure).status === 'number';
}

/**
 * Turns authentication and permission failures into a UserError naming the permission needed
 * (`permission`, e.g. "contents: write"); other errors are returned unchanged.
 */
export function explainGitHubError(err: unknown, repository: string, permission: string): unknown {
  if (!isGitHubError(err)) return err;
  const accepted = header(err, 'x-accepted-github-permissions');
  if (err.status === 401) {
    return new UserError(
      `GitHub rejected the token for ${repository} (401: ${err.message})`,
      `give a valid token with ${permission} on ${repository} (--token or GITHUB_TOKEN)`,
    );
  }
  if (err.status === 403 && !header(err, 'retry-after') && header(err, 'x-ratelimit-remaining') !== '0') {
    const needs = accepted ? ` (GitHub accepts: ${accepted.replace(/=/g, ': ')})` : '';
    return new UserError(
      `the token may not do this on ${repository}: ${err.message}${needs}`,
      `grant the token ${permission} on ${repository} (workflow: permissions: { contents: write }; GitHub App or fine-grained token: Contents read and write)`,
    );
  }
  if (err.status === 404) {
    return new UserError(
      `${repository} or the requested object was not found (404): ${err.message}`,
      `check --repository, and that the token can see ${repository} with ${permission}`,
    );
  }
  return err;
}
