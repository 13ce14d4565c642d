/**
 * The Octokit every stage uses: @actions/github's getOctokit, aimed at the API URL, with the bounded
 * retry of retry.ts on every request (5xx, dropped connections, rate limits). Without a token it is
 * the same Octokit, anonymous (reads of public repositories only).
 */
import { getOctokit } from '@actions/github';
import { GitHub } from '@actions/github/lib/utils';
import { Logger } from '../util/logger';
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
}

/** Request option: `request: { noRetry: true }` disables retries for one non-idempotent call. */
export interface NoRetryRequestOption {
  noRetry?: boolean;
}

export function createGitHubClient(options: ClientOptions): GitHubClient {
  const policy = options.retry ?? DEFAULT_RETRY;
  const { log } = options;
  const base = options.apiUrl ? { baseUrl: options.apiUrl.replace(/\/+$/, '') } : {};
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
