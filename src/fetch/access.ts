/**
 * How fetch reaches GitHub: the access it is given, the API client made of it, and where the token
 * may go (pure): never to a host that is not GitHub's or the configured API's, never over plain http
 * but to this machine.
 */
import { createGitHubClient, GitHubClient } from '../github/client';
import { Deadlines, deadlinesOf } from '../github/deadlines';
import { RetryPolicy } from '../github/retry';
import { Logger } from '../util/logger';

/** The token, API URL, retries, deadlines and log of every API call and download of a fetch. */
export interface DownloadAccess {
  token?: string;
  apiUrl?: string;
  log: Logger;
  retry?: RetryPolicy;
  /** deadlines of every API call and download (default: deadlinesOf(), 60 s to answer or go on) */
  deadlines?: Deadlines;
}

/** The API client of a fetch (its API URL, log and retry policy), with or without a token. */
export function apiClient(token: string | undefined, access: DownloadAccess): GitHubClient {
  return createGitHubClient({
    token,
    apiUrl: access.apiUrl,
    log: access.log,
    retry: access.retry,
    deadlines: access.deadlines ?? deadlinesOf(),
  });
}

/** GitHub's own download hosts: a release download redirects from github.com to one of the others. */
const GITHUB_DOWNLOAD_HOSTS = new Set([
  'github.com',
  'objects.githubusercontent.com',
  'release-assets.githubusercontent.com',
]);

/**
 * Whether the token may be sent to `url` (pure): only over https, only to GitHub's download hosts or
 * to the origin of the configured API URL (GitHub Enterprise Server), never with user info in the URL.
 */
export function tokenMayGoTo(url: string, apiUrl: string | undefined): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:' || u.username || u.password) return false;
  if (GITHUB_DOWNLOAD_HOSTS.has(u.hostname) && u.port === '') return true;
  if (!apiUrl) return false;
  try {
    const api = new URL(apiUrl);
    return api.protocol === 'https:' && api.origin === u.origin;
  } catch {
    return false;
  }
}

/**
 * Whether the API may be sent the token: https (GitHub, GitHub Enterprise Server), or plain http to
 * this machine only (a local test server), never plain http elsewhere.
 */
export function apiTakesToken(apiUrl: string | undefined): boolean {
  if (apiUrl === undefined) return true; // api.github.com
  try {
    const u = new URL(apiUrl);
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname));
  } catch {
    return false;
  }
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
