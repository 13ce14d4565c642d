/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): route table types, URL template
 * matching and the error shape GitHub uses.
 */
import type { FakeGitHub } from './fake-github';
import type { Urls } from './objects';
import type { Permission, Permissions, RepoState } from './state';

export interface Reply {
  status: number;
  body?: unknown;
  /** Binary body (downloads); `body` is ignored when set. */
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface HandlerContext {
  fake: FakeGitHub;
  repo: RepoState;
  params: Record<string, string>;
  query: Record<string, string>;
  /** Parsed JSON body, or the raw bytes for uploads. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  urls: Urls;
  /** The request URL (absolute), used for pagination links. */
  url: URL;
  /** The calling token's permissions (undefined: anonymous). */
  permissions?: Permissions;
}

/** One permission a route needs; a route lists alternatives (any one is enough). */
export interface PermissionNeed {
  name: string;
  level: Permission;
}

export interface Route {
  operationId: string;
  method: string;
  /** Path template exactly as in the OpenAPI description. */
  path: string;
  /** Any one of these is enough. Empty: only a valid token (or anonymous on a public repo) is needed. */
  needs: PermissionNeed[];
  /** Served under the uploads origin (uploads.github.com) instead of the API origin. */
  uploads?: boolean;
  handler(ctx: HandlerContext): Reply | Promise<Reply>;
}

const LEVELS: Record<Permission, number> = { read: 1, write: 2, admin: 3 };

/** True when `permissions` grant `name` at `level` or above (every token may read metadata). */
export function grants(permissions: Permissions | undefined, name: string, level: Permission): boolean {
  if (!permissions) return false;
  if (name === 'metadata' && level === 'read') return true;
  const have = permissions[name];
  return have !== undefined && LEVELS[have] >= LEVELS[level];
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function validationFailed(resource: string, code: string, field: string, message?: string): HttpError {
  return new HttpError(422, 'Validation Failed', {
    errors: [{ resource, code, field, ...(message ? { message } : {}) }],
  });
}

export function notFound(): HttpError {
  return new HttpError(404, 'Not Found');
}

export interface TemplateMatch {
  params: Record<string, string>;
  literals: number;
}

/**
 * Matches a URL path against an OpenAPI path template. A `{ref}` or `{path}` parameter in the last
 * position takes the rest of the path (refs like "heads/a/b", content paths like "dir/file"),
 * whether or not the client encoded its slashes.
 */
const MULTI_SEGMENT_PARAMS = new Set(['ref', 'path']);

export function matchTemplate(template: string, path: string): TemplateMatch | undefined {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean);
  const params: Record<string, string> = {};
  let literals = 0;
  for (let i = 0; i < t.length; i++) {
    const seg = t[i];
    const param = /^\{(\w+)\}$/.exec(seg);
    if (i >= p.length) return undefined;
    if (param) {
      const greedy = i === t.length - 1 && MULTI_SEGMENT_PARAMS.has(param[1]);
      const rest = greedy ? p.slice(i).join('/') : p[i];
      try {
        params[param[1]] = decodeURIComponent(rest);
      } catch {
        return undefined;
      }
      if (greedy) return { params, literals };
    } else {
      if (seg !== p[i]) return undefined;
      literals++;
    }
  }
  return p.length === t.length ? { params, literals } : undefined;
}

/** The best-matching (most literal segments) template for a method and path. */
export function findRoute<T extends { method: string; path: string }>(
  routes: T[],
  method: string,
  path: string,
): { route: T; params: Record<string, string> } | undefined {
  let best: { route: T; params: Record<string, string>; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const m = matchTemplate(route.path, path);
    if (m && (!best || m.literals > best.literals)) best = { route, params: m.params, literals: m.literals };
  }
  return best && { route: best.route, params: best.params };
}

export interface Page<T> {
  items: T[];
  link?: string;
}

/** GitHub-style pagination (per_page default 30, max 100; Link header with next/last). */
export function paginate<T>(items: T[], query: Record<string, string>, url: URL): Page<T> {
  const perPage = Math.min(Math.max(Number(query.per_page ?? 30) || 30, 1), 100);
  const page = Math.max(Number(query.page ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  const links: string[] = [];
  const at = (n: number) => {
    const u = new URL(url.toString());
    u.searchParams.set('page', String(n));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
  return { items: slice, link: links.length ? links.join(', ') : undefined };
}

export function linkHeader(page: Page<unknown>): Record<string, string> {
  return page.link ? { link: page.link } : {};
}
