/** Where the GitHub API is and which token to use: options first, then the workflow's environment. */
import { CommandContext, stringOption } from '../core/context';
import { RawOptions } from '../core/options';

export const DEFAULT_API_URL = 'https://api.github.com';

export interface GitHubAccess {
  /** --token, else GITHUB_TOKEN; registered as a secret so that it is never printed */
  token?: string;
  /** --api-url, else GITHUB_API_URL, else https://api.github.com */
  apiUrl: string;
  /** GITHUB_SERVER_URL, else derived from the API URL (release and pull request links) */
  serverUrl: string;
}

/** https://api.github.com → https://github.com; https://ghe.example/api/v3 → https://ghe.example (pure). */
export function serverUrlFromApiUrl(apiUrl: string): string {
  const url = apiUrl.replace(/\/+$/, '');
  if (url === DEFAULT_API_URL) return 'https://github.com';
  return url.replace(/\/api\/v3$/, '');
}

export function githubAccess(
  options: RawOptions,
  ctx: Pick<CommandContext, 'setSecret'>,
  env: NodeJS.ProcessEnv = process.env,
): GitHubAccess {
  const token = stringOption(options, 'token') ?? (env.GITHUB_TOKEN || undefined);
  if (token) ctx.setSecret(token);
  const apiUrl = stringOption(options, 'apiUrl') ?? (env.GITHUB_API_URL || DEFAULT_API_URL);
  return { token, apiUrl, serverUrl: env.GITHUB_SERVER_URL || serverUrlFromApiUrl(apiUrl) };
}
