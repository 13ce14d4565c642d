/**
 * The Octokit every stage uses: @actions/github's getOctokit, aimed at the API URL, with the bounded
 * retry of retry.ts on every request (5xx, dropped connections, rate limits). Without a token it is
 * the same Octokit, anonymous (reads of public repositories only).
 */
import { getOctokit } from '@actions/github';
import { defaults, GitHub } from '@actions/github/lib/utils';
import { Logger } from '../util/logger';
import { Deadlines, fetchWithDeadlines } from './deadlines';
import { failureDetail } from './errors';
import {
  DEFAULT_RETRY,
  HttpFailure,
  NO_RETRY,
  retryDecision,
  retryMessage,
  RetryPolicy,
  withRetries,
} from './retry';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface ClientOptions {
  /** undefined: anonymous */
  token: string | undefined;
  /** API base URL (default https://api.github.com) */
  apiUrl?: string;
  log: Logger;
  retry?: RetryPolicy;
  /** deadlines on each request's answer and body (fetch: nothing it calls may hang); none by default */
  deadlines?: Deadlines;
}

/** Request option: `request: { noRetry: true }` disables retries for one non-idempotent call. */
export interface NoRetryRequestOption {
  noRetry?: boolean;
}

/**
 * The fetch Octokit uses, with the cause of a failure in the error's own message ("connect
 * ECONNREFUSED 127.0.0.1:443"): Octokit keeps only that message, and only from a cause of its own
 * realm (not under jest), where undici's own message is just "fetch failed".
 */
function fetchNamingFailures(inner: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await inner(input, init);
    } catch (err) {
      if ((err as Error | undefined)?.name === 'AbortError') throw err;
      throw new Error(failureDetail(err) || String(err), { cause: err });
    }
  };
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  const policy = options.retry ?? DEFAULT_RETRY;
  const { log } = options;
  const plain = (defaults.request?.fetch as typeof fetch | undefined) ?? fetch;
  const inner = options.deadlines ? fetchWithDeadlines(plain, options.deadlines) : plain;
  const base = {
    ...(options.apiUrl ? { baseUrl: options.apiUrl.replace(/\/+$/, '') } : {}),
    // replaces the defaults' request options as a whole: keep their proxy agent and fetch
    request: { ...defaults.request, fetch: fetchNamingFailures(inner) },
  };
  // getOctokit insists on a token; GitHub is the class it instantiates, with the same defaults
  const octokit: GitHubClient = options.token ? getOctokit(options.token, base) : new GitHub(base);
  octokit.hook.wrap('request', async (request, requestOptions) => {
    const what = `${requestOptions.method} ${requestOptions.url}`;
    const noRetry = (requestOptions.request as NoRetryRequestOption | undefined)?.noRetry === true;
    return withRetries(
      async () => request(requestOptions),
      (err, attempt) => {
        const decision = noRetry ? NO_RETRY : retryDecision(err as HttpFailure, attempt, policy, Date.now());
        if (!decision.retry && decision.reason && (err as HttpFailure).status !== undefined)
          log.warn(`${what}: ${decision.reason}`);
        return decision;
      },
      (decision, attempt) => log.warn(retryMessage(what, decision, attempt, policy.maxRetries)),
    );
  });
  return octokit;
}
