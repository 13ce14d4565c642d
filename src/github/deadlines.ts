/**
 * Deadlines on HTTP requests whose answer is read whole (fetch's API calls and downloads): an answer
 * (the response headers) within `answerMs`, each next piece of the body within `idleMs` (a stalled
 * download), and the whole body within `totalMs` (one that trickles). A missed deadline aborts the
 * request and fails it with an error naming the deadline and the flag that sets it; it counts as a
 * dropped connection for the retries.
 */
import { UserError } from '../util/errors';

export interface Deadlines {
  answerMs: number;
  idleMs: number;
  totalMs: number;
  /** the flag (or input) that sets answerMs and idleMs, named in the error */
  flag: string;
}

export const DEFAULT_TIMEOUT_SECONDS = 60;

/** The deadlines of --timeout (its text, as given), refused unless a whole number of seconds from 1. */
export function deadlinesOption(value: string | undefined): Deadlines {
  if (value === undefined) return deadlinesOf();
  if (!/^[1-9][0-9]{0,5}$/.test(value.trim()))
    throw new UserError(`--timeout is "${value}"`, 'pass a whole number of seconds, e.g. --timeout 120');
  return deadlinesOf(Number(value.trim()));
}

export function deadlinesOf(timeoutSeconds: number = DEFAULT_TIMEOUT_SECONDS): Deadlines {
  return {
    answerMs: timeoutSeconds * 1000,
    idleMs: timeoutSeconds * 1000,
    totalMs: 30 * 60_000,
    flag: '--timeout',
  };
}

/** A missed deadline (not an AbortError: Octokit and the retries treat it as a failed connection). */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

const NULL_BODY = new Set([101, 204, 205, 304]);
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** `inner` with the deadlines: the returned body errors (and the request is aborted) when one passes. */
export function fetchWithDeadlines(inner: typeof fetch, d: Deadlines): typeof fetch {
  return async (input, init) => {
    const controller = new AbortController();
    const outer = init?.signal;
    if (outer) outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
    let missed: DeadlineError | undefined;
    const miss = (why: string) => {
      missed = new DeadlineError(`${why} (raise ${d.flag} if the network is slow)`);
      controller.abort(missed);
    };
    const started = Date.now();
    const answer = setTimeout(() => miss(`no answer within ${seconds(d.answerMs)}`), d.answerMs);
    let res: Response;
    try {
      res = await inner(input, { ...init, signal: controller.signal });
    } catch (err) {
      throw missed ?? err;
    } finally {
      clearTimeout(answer);
    }
    if (!res.body || NULL_BODY.has(res.status)) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(stream) {
        const left = d.totalMs - (Date.now() - started);
        const wait = Math.min(d.idleMs, Math.max(0, left));
        const timer = setTimeout(
          () =>
            miss(
              wait < d.idleMs
                ? `the download took longer than ${seconds(d.totalMs)}`
                : `the download stalled: no data for ${seconds(d.idleMs)}`,
            ),
          wait,
        );
        try {
          const { done, value } = await reader.read();
          if (done) stream.close();
          else stream.enqueue(value);
        } catch (err) {
          stream.error(missed ?? err);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    const wrapped = new Response(body, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
    Object.defineProperty(wrapped, 'url', { value: res.url });
    return wrapped;
  };
}
