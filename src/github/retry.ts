/**
 * Retrying GitHub calls: when a failure is worth another attempt (5xx, dropped connections, rate
 * limits with `retry-after` or `x-ratelimit-reset`, and the 422 GitHub sometimes answers right
 * after a pull request changed), how long to wait, and the one loop that waits.
 */

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff for 5xx / network errors; doubles each time. */
  baseDelayMs: number;
  /** Longest single wait (a rate limit that resets later fails instead of hanging the job). */
  maxWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 1000, maxWaitMs: 120_000 };

/**
 * The retry policy, with the first backoff taken from PG_BUNDLE_RETRY_BASE_MS when set (the one
 * knob tests turn to make retries instant); production uses the defaults.
 */
export function retryPolicy(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const base = env.PG_BUNDLE_RETRY_BASE_MS;
  return base && /^\d+$/.test(base) ? { ...DEFAULT_RETRY, baseDelayMs: Number(base) } : DEFAULT_RETRY;
}

/** What Octokit's RequestError exposes (status 500 without response = network failure). */
export interface HttpFailure {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

/** An HTTP failure outside Octokit (a plain fetch), shaped like Octokit's RequestError. */
export class HttpFailureError extends Error implements HttpFailure {
  constructor(
    readonly status: number,
    message: string,
    readonly response?: HttpFailure['response'],
  ) {
    super(message);
    this.name = 'HttpFailureError';
  }
}

export type RetryDecision =
  { retry: true; delayMs: number; reason: string } | { retry: false; reason?: string };

export const NO_RETRY: RetryDecision = { retry: false };

export function responseHeader(err: HttpFailure, name: string): string | undefined {
  const v = err.response?.headers?.[name];
  return v === undefined ? undefined : String(v);
}

function bounded(ms: number, reason: string, policy: RetryPolicy): RetryDecision {
  return ms > policy.maxWaitMs
    ? {
        retry: false,
        reason: `${reason}: would have to wait ${Math.ceil(ms / 1000)} s (more than ${policy.maxWaitMs / 1000} s)`,
      }
    : { retry: true, delayMs: Math.max(ms, 0), reason };
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
  const limited = status === 403 || status === 429;
  const retryAfter = responseHeader(err, 'retry-after');
  const reset = responseHeader(err, 'x-ratelimit-reset');
  const backoff = policy.baseDelayMs * 2 ** (attempt - 1);
  if (limited && retryAfter !== undefined && /^\d+$/.test(retryAfter))
    return bounded(
      Number(retryAfter) * 1000,
      `rate limited (${status}, retry-after ${retryAfter} s)`,
      policy,
    );
  if (
    limited &&
    responseHeader(err, 'x-ratelimit-remaining') === '0' &&
    reset !== undefined &&
    /^\d+$/.test(reset)
  )
    return bounded(
      Number(reset) * 1000 - nowMs + 1000,
      `rate limit exhausted (resets at ${new Date(Number(reset) * 1000).toISOString()})`,
      policy,
    );
  if (limited && /secondary rate limit/i.test(err.message ?? ''))
    return bounded(60_000, 'secondary rate limit without retry-after', policy);
  if (status === 429) return bounded(backoff, 'too many requests (429)', policy);
  if (status >= 500) {
    const what = err.response
      ? `server error ${status}`
      : `network failure (${err.message ?? 'connection lost'})`;
    return bounded(backoff, what, policy);
  }
  return NO_RETRY;
}

/**
 * Retries GitHub's transient 422 (labels and review requests right after a pull request was
 * created or its branch moved): `attempts` in all, waiting twice the policy's base delay times the
 * attempt number.
 */
export function transient422Decision(
  err: unknown,
  attempt: number,
  policy: RetryPolicy,
  attempts = 4,
): RetryDecision {
  if ((err as HttpFailure | undefined)?.status !== 422 || attempt >= attempts) return NO_RETRY;
  return { retry: true, delayMs: 2 * policy.baseDelayMs * attempt, reason: 'GitHub answered 422' };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` until it succeeds or `decide` says stop (then its last error is thrown).
 * `onRetry` is told before each wait.
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  decide: (err: unknown, attempt: number) => RetryDecision,
  onRetry: (decision: RetryDecision & { retry: true }, attempt: number, err: unknown) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const decision = decide(err, attempt);
      if (!decision.retry) throw err;
      onRetry(decision, attempt, err);
      await sleep(decision.delayMs);
    }
  }
}

/** "…: reason; retry 2/4 in 1.0 s" */
export function retryMessage(
  what: string,
  decision: { reason: string; delayMs: number },
  attempt: number,
  max: number,
): string {
  return `${what}: ${decision.reason}; retry ${attempt}/${max} in ${(decision.delayMs / 1000).toFixed(1)} s`;
}
