/**
 * FakeGitHub: a FAKE of GitHub's REST API for tests — NOT GitHub, and not a mock of any client.
 *
 * A local HTTP server (127.0.0.1, random port) that keeps repositories, branches, files,
 * releases, assets and pull requests in memory and answers the operations pg-bundle uses.
 * Every request (method + path must exist in GitHub's OpenAPI description; path/query
 * parameters; JSON body) and every response body (against the schema for its status) is
 * validated against `@octokit/openapi`; a mismatch is recorded as a violation, and
 * `assertNoViolations()` (call it in afterEach) and `stop()` throw when there is any.
 *
 * See README.md beside this file for the seeding API, tokens and fault injection.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadOperations, OpenApiOperation } from './openapi-description';
import { OpenApiValidator } from './openapi-validator';
import { Urls } from './objects';
import { findRoute, grants, HandlerContext, HttpError, Reply, Route } from './routing';
import { contentRoutes } from './routes/contents';
import { gitRoutes } from './routes/git';
import { pullRoutes } from './routes/pulls';
import { releaseRoutes } from './routes/releases';
import { statusRoutes } from './routes/statuses';
import {
  AssetState,
  makeCommit,
  nextTimestamp,
  Permissions,
  PullState,
  ReleaseState,
  RepoState,
  StatusState,
  toBuffer,
} from './state';

export type {
  Permissions,
  Permission,
  RepoState,
  ReleaseState,
  AssetState,
  PullState,
  StatusState,
} from './state';

/** Files of a branch: path → content; `null` deletes the path (in commitFiles / branch overrides). */
export type FileMap = Record<string, string | Buffer | null>;

export interface RepoSeed {
  /** "owner/name" */
  repo: string;
  defaultBranch?: string;
  private?: boolean;
  /** Files on the default branch (one initial commit). */
  files?: FileMap;
  /** Other branches: each is one commit on top of the default branch with these changes. */
  branches?: Record<string, FileMap>;
  /**
   * Users ("@login") and teams ("@org/team-slug") that exist and have write access. When given,
   * CODEOWNERS errors report others as "Unknown owner" and requesting them as reviewers is a 422.
   */
  knownOwners?: string[];
}

export interface ReleaseSeed {
  tag: string;
  draft?: boolean;
  name?: string;
  body?: string;
  assets?: Record<string, string | Buffer>;
}

export type Fault =
  /** Answer with this status (e.g. 500, 502, 503) and a GitHub-style error body. */
  | { kind: 'status'; status: number; message?: string }
  /**
   * A rate-limit answer. Secondary (default): 403 (or `status: 429`) with `retry-after`.
   * Primary: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` = now + retryAfterSeconds.
   */
  | { kind: 'rate-limit'; status?: 403 | 429; retryAfterSeconds?: number; primary?: boolean }
  /**
   * Drop the connection. On an upload, after reading `afterBytes` of the body (default: half);
   * with `leavePartialAsset`, a broken asset (state "open") is left behind under the name, as
   * GitHub sometimes does, so that a retry gets 422 already_exists.
   */
  | { kind: 'drop'; afterBytes?: number; leavePartialAsset?: boolean };

export interface FaultSpec {
  /** operationId from the description, e.g. "repos/upload-release-asset", "repos/create-release". */
  operation: string;
  /** Which call (1 = the next one after injectFault) fails; counted per operation. Default 1. */
  nth?: number;
  /** How many consecutive calls fail from the nth on. Default 1. */
  times?: number;
  fault: Fault;
}

export interface RequestRecord {
  method: string;
  path: string;
  operationId?: string;
  status: number;
}

export interface TokenSpec {
  permissions: Permissions;
  /** Repositories ("owner/name") the token can see; undefined = all. */
  repositories?: string[];
}

export interface FakeGitHubOptions {
  /** Set digest on uploaded assets (GitHub does since 2025). Default true. */
  assetDigests?: boolean;
  /** Reject response/request properties the description does not list. Default true. */
  closeObjects?: boolean;
}

const ALL_ROUTES: Route[] = [
  ...contentRoutes,
  ...releaseRoutes,
  ...gitRoutes,
  ...pullRoutes,
  ...statusRoutes,
];
export const FULL_PERMISSIONS: Permissions = {
  contents: 'write',
  pull_requests: 'write',
  issues: 'write',
  statuses: 'write',
  metadata: 'read',
};

interface ArmedFault extends Required<Omit<FaultSpec, 'operation'>> {
  operation: string;
  startAt: number;
}

export class FakeGitHub {
  /** A token with contents, pull_requests, issues and statuses: write on every repository. */
  readonly token = 'fake-token-full';
  readonly violations: string[] = [];
  readonly requests: RequestRecord[] = [];
  private readonly repos = new Map<string, RepoState>();
  private readonly tokens = new Map<string, TokenSpec>();
  private readonly faults: ArmedFault[] = [];
  private readonly calls = new Map<string, number>();
  private readonly signed = new Map<string, { repo: string; assetId: number }>();
  private readonly operations = new Map<string, OpenApiOperation>();
  private allDescribedRoutes: { method: string; path: string }[] = [];
  private validator!: OpenApiValidator;
  private server?: Server;
  private ids = 100;
  urls!: Urls;

  private constructor(readonly options: FakeGitHubOptions) {
    this.tokens.set(this.token, { permissions: FULL_PERMISSIONS });
  }

  /** Starts the fake on 127.0.0.1 with a random port. */
  static async start(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(options);
    await fake.listen();
    return fake;
  }

  /** API base URL to give Octokit as `baseUrl` (stands for https://api.github.com). */
  get baseUrl(): string {
    return this.urls.api;
  }

  private async listen(): Promise<void> {
    const subset = loadOperations(ALL_ROUTES.map((r) => ({ method: r.method, path: r.path })));
    for (const op of subset.operations) this.operations.set(`${op.method} ${op.path}`, op);
    this.allDescribedRoutes = subset.allRoutes.map((r) => {
      const [method, path] = r.split(' ');
      return { method, path };
    });
    this.validator = new OpenApiValidator(this.options.closeObjects ?? true);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.violations.push(
          `FakeGitHub crashed on ${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`,
        );
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'FakeGitHub internal error' }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    const api = `http://127.0.0.1:${port}`;
    this.urls = { api, uploads: `${api}/_uploads`, web: `${api}/_web` };
  }

  /** Stops the server; throws when violations were recorded and not yet asserted. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.assertNoViolations();
  }

  /** Throws (and clears the list) when any request or response did not match the description. */
  assertNoViolations(): void {
    if (this.violations.length === 0) return;
    const list = this.violations.splice(0);
    throw new Error(`FakeGitHub: ${list.length} OpenAPI violation(s):\n- ${list.join('\n- ')}`);
  }

  // ---------------------------------------------------------------- seeding and inspection

  /** Creates a repository with one commit of `files` on the default branch (and optional other branches). */
  seedRepo(seed: RepoSeed): RepoState {
    const [owner, name] = seed.repo.split('/');
    if (!owner || !name) throw new Error(`FakeGitHub.seedRepo: repo must be "owner/name", got ${seed.repo}`);
    const repo: RepoState = {
      id: this.nextId(),
      owner,
      name,
      private: seed.private ?? false,
      defaultBranch: seed.defaultBranch ?? 'main',
      createdAt: nextTimestamp(),
      commits: new Map(),
      trees: new Map(),
      blobs: new Map(),
      refs: new Map(),
      releases: [],
      assets: new Map(),
      pulls: [],
      statuses: [],
      knownOwners: seed.knownOwners ? new Set(seed.knownOwners) : undefined,
    };
    this.repos.set(seed.repo.toLowerCase(), repo);
    const initial = makeCommit(
      repo,
      applyChanges(new Map(), seed.files ?? { 'README.md': `# ${name}\n` }),
      [],
      'Initial commit',
    );
    repo.refs.set(`refs/heads/${repo.defaultBranch}`, initial.sha);
    for (const [branch, files] of Object.entries(seed.branches ?? {}))
      this.commitFiles(seed.repo, branch, files, `Seed ${branch}`);
    return repo;
  }

  /** The state of a seeded repository (for assertions); throws when it does not exist. */
  repo(fullName: string): RepoState {
    const repo = this.repos.get(fullName.toLowerCase());
    if (!repo) throw new Error(`FakeGitHub: no repository ${fullName} (seed it with seedRepo)`);
    return repo;
  }

  /**
   * Commits `changes` (path → content, null deletes) on top of `branch`; a missing branch is
   * created from the default branch. Returns the new commit sha.
   */
  commitFiles(fullName: string, branch: string, changes: FileMap, message = 'Update files'): string {
    const repo = this.repo(fullName);
    const parent =
      repo.refs.get(`refs/heads/${branch}`) ?? (repo.refs.get(`refs/heads/${repo.defaultBranch}`) as string);
    const base = repo.commits.get(parent)?.files ?? new Map<string, Buffer>();
    const commit = makeCommit(repo, applyChanges(base, changes), [parent], message);
    repo.refs.set(`refs/heads/${branch}`, commit.sha);
    return commit.sha;
  }

  /** Head commit sha of a branch, or undefined. */
  branchSha(fullName: string, branch: string): string | undefined {
    return this.repo(fullName).refs.get(`refs/heads/${branch}`);
  }

  /** A file's content (utf-8) on a branch, tag or commit; undefined when absent. */
  readFile(fullName: string, ref: string, path: string): string | undefined {
    const repo = this.repo(fullName);
    const sha = repo.refs.get(`refs/heads/${ref}`) ?? repo.refs.get(`refs/tags/${ref}`) ?? ref;
    return repo.commits.get(sha)?.files.get(path)?.toString('utf8');
  }

  /** Creates a release with assets directly (no HTTP, no validation of your client). */
  seedRelease(fullName: string, seed: ReleaseSeed): ReleaseState {
    const repo = this.repo(fullName);
    const release: ReleaseState = {
      id: this.nextId(),
      tagName: seed.tag,
      targetCommitish: repo.defaultBranch,
      name: seed.name ?? seed.tag,
      body: seed.body ?? null,
      draft: seed.draft ?? false,
      prerelease: false,
      createdAt: nextTimestamp(),
      publishedAt: seed.draft ? null : nextTimestamp(),
      assetIds: [],
    };
    if (!release.draft)
      repo.refs.set(`refs/tags/${seed.tag}`, repo.refs.get(`refs/heads/${repo.defaultBranch}`) as string);
    repo.releases.push(release);
    for (const [name, content] of Object.entries(seed.assets ?? {})) {
      const data = toBuffer(content);
      const id = this.nextId();
      const now = nextTimestamp();
      const digest =
        this.options.assetDigests === false
          ? null
          : `sha256:${createHash('sha256').update(data).digest('hex')}`;
      repo.assets.set(id, {
        id,
        releaseId: release.id,
        name,
        label: null,
        contentType: 'application/octet-stream',
        state: 'uploaded',
        data,
        digest,
        createdAt: now,
        updatedAt: now,
      });
      release.assetIds.push(id);
    }
    return release;
  }

  /** Releases of a repository (drafts included), oldest first. */
  releases(fullName: string): ReleaseState[] {
    return [...this.repo(fullName).releases];
  }

  /** Assets of a release. */
  assets(fullName: string, releaseId: number): AssetState[] {
    const repo = this.repo(fullName);
    const release = repo.releases.find((r) => r.id === releaseId);
    return (release?.assetIds ?? [])
      .map((id) => repo.assets.get(id))
      .filter((a): a is AssetState => a !== undefined);
  }

  /** Pull requests of a repository (with requested reviewers and labels). */
  pulls(fullName: string): PullState[] {
    return [...this.repo(fullName).pulls];
  }

  /** Commit statuses of a repository (of one commit when `sha` is given), oldest first. */
  statuses(fullName: string, sha?: string): StatusState[] {
    return this.repo(fullName).statuses.filter((s) => sha === undefined || s.sha === sha);
  }

  /** The latest status of `context` on a commit (what GitHub shows on the pull request), or undefined. */
  latestStatus(fullName: string, sha: string, context: string): StatusState | undefined {
    return this.statuses(fullName, sha)
      .filter((s) => s.context.toLowerCase() === context.toLowerCase())
      .at(-1);
  }

  /** Registers a token with the given fine-grained permissions; returns the token string. */
  createToken(permissions: Permissions, repositories?: string[]): string {
    const token = `fake-token-${randomBytes(6).toString('hex')}`;
    this.tokens.set(token, { permissions, repositories });
    return token;
  }

  /** Arms a fault for the nth call of an operation (see README.md). */
  injectFault(spec: FaultSpec): void {
    this.faults.push({
      operation: spec.operation,
      nth: spec.nth ?? 1,
      times: spec.times ?? 1,
      fault: spec.fault,
      startAt: this.calls.get(spec.operation) ?? 0,
    });
  }

  /** Disarms every injected fault. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Requests to one operation (e.g. to check that a retry happened). */
  callsTo(operationId: string): RequestRecord[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }

  // ---------------------------------------------------------------- helpers for routes

  nextId(): number {
    return ++this.ids;
  }

  nextIssueNumber(repo: RepoState): number {
    return repo.pulls.reduce((max, p) => Math.max(max, p.number), 0) + 1;
  }

  signedDownloadUrl(repo: RepoState, assetId: number): string {
    const key = randomBytes(12).toString('hex');
    this.signed.set(key, { repo: `${repo.owner}/${repo.name}`, assetId });
    return `${this.urls.api}/_blobs/${key}`;
  }

  // ---------------------------------------------------------------- request handling

  private takeFault(operationId: string): Fault | undefined {
    const count = (this.calls.get(operationId) ?? 0) + 1;
    this.calls.set(operationId, count);
    const armed = this.faults.find(
      (f) => f.operation === operationId && count - f.startAt >= f.nth && count - f.startAt < f.nth + f.times,
    );
    return armed?.fault;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', this.urls.api);
    let path = url.pathname;
    if (path.startsWith('/_blobs/')) return this.serveSignedBlob(path.slice('/_blobs/'.length), method, res);
    if (path.startsWith('/_web/'))
      return this.serveBrowserDownload(path.slice('/_web'.length), method, req, res);
    const uploads = path.startsWith('/_uploads/');
    if (uploads) path = path.slice('/_uploads'.length);
    const record: RequestRecord = { method, path: url.pathname + url.search, status: 0 };
    this.requests.push(record);
    const send = (reply: Reply) => {
      record.status = reply.status;
      this.send(res, reply);
    };

    const match = findRoute(
      ALL_ROUTES.filter((r) => !!r.uploads === uploads),
      method,
      path,
    );
    if (!match) {
      await readBody(req);
      const described = findRoute(this.allDescribedRoutes, method, path);
      const uploadRoute =
        !uploads &&
        findRoute(
          ALL_ROUTES.filter((r) => r.uploads),
          method,
          path,
        );
      if (uploadRoute)
        this.violations.push(
          `${method} ${path}: uploads go to the release's upload_url (uploads.github.com), not to the API host`,
        );
      else if (described)
        this.violations.push(
          `${method} ${path}: ${described.route.method} ${described.route.path} is in GitHub's description but FakeGitHub does not implement it (add a route under test/fake-github/routes/)`,
        );
      else this.violations.push(`${method} ${path} is not an operation in GitHub's REST API description`);
      return send(errorReply(new HttpError(404, 'Not Found')));
    }
    const { route, params } = match;
    record.operationId = route.operationId;
    const op = this.operations.get(`${route.method} ${route.path}`) as OpenApiOperation;

    const fault = this.takeFault(route.operationId);
    if (fault?.kind === 'drop') return this.dropConnection(req, res, fault, route, params, url);
    if (fault) return send(faultReply(fault));

    const raw = await readBody(req);
    const token = bearer(req.headers.authorization);
    const tokenSpec = token ? this.tokens.get(token) : undefined;
    if (token && !tokenSpec) return send(errorReply(new HttpError(401, 'Bad credentials')));

    const repoName = `${params.owner}/${params.repo}`;
    const repo = this.repos.get(repoName.toLowerCase());
    const visible =
      repo &&
      (!tokenSpec?.repositories ||
        tokenSpec.repositories.some((r) => r.toLowerCase() === repoName.toLowerCase()));
    const readOnly = route.needs.every((n) => n.level === 'read');
    // GitHub hides private repositories: to a caller who cannot see one, it does not exist (404),
    // with or without a token; only a write to a public repository asks for authentication (401)
    if (!repo || (!visible && tokenSpec) || (repo.private && !tokenSpec))
      return send(errorReply(new HttpError(404, 'Not Found')));
    if (!tokenSpec && !readOnly) return send(errorReply(new HttpError(401, 'Requires authentication')));
    if (
      tokenSpec &&
      route.needs.length > 0 &&
      !route.needs.some((n) => grants(tokenSpec.permissions, n.name, n.level))
    ) {
      const accepted = route.needs.map((n) => `${n.name}=${n.level}`).join('; ');
      return send(
        errorReply(
          new HttpError(
            403,
            'Resource not accessible by integration',
            {},
            { 'x-accepted-github-permissions': accepted },
          ),
        ),
      );
    }

    let body: unknown;
    const contentType = req.headers['content-type'];
    if (route.uploads) body = raw;
    else if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        return send(errorReply(new HttpError(400, 'Problems parsing JSON')));
      }
    }
    const query = Object.fromEntries(url.searchParams.entries());
    const requestViolations = this.validator.validateRequest(op, {
      pathParams: params,
      query,
      body,
      contentType,
    });
    if (requestViolations.length) {
      this.violations.push(
        ...requestViolations.map((v) => `${method} ${url.pathname} (${route.operationId}): ${v}`),
      );
      return send(
        errorReply(
          new HttpError(
            422,
            `FakeGitHub: request does not match GitHub's OpenAPI description: ${requestViolations.join('; ')}`,
          ),
        ),
      );
    }

    const ctx: HandlerContext = {
      fake: this,
      repo,
      params,
      query,
      body,
      headers: req.headers,
      urls: this.urls,
      url,
      permissions: tokenSpec?.permissions,
    };
    let reply: Reply;
    try {
      reply = await route.handler(ctx);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      reply = errorReply(err);
    }
    const responseViolations = this.validator.validateResponse(
      op,
      reply.status,
      reply.raw ? reply.contentType : undefined,
      reply.raw ? undefined : reply.body,
    );
    this.violations.push(
      ...responseViolations.map((v) => `${method} ${url.pathname} (${route.operationId}) response: ${v}`),
    );
    send(reply);
  }

  private send(res: ServerResponse, reply: Reply): void {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    const headers: Record<string, string> = {
      'x-github-request-id': randomBytes(4).toString('hex').toUpperCase(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(reset),
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      ...(reply.headers ?? {}),
    };
    if (reply.raw) {
      res.writeHead(reply.status, {
        ...headers,
        'content-type': reply.contentType ?? 'application/octet-stream',
        'content-length': String(reply.raw.length),
      });
      res.end(reply.raw);
    } else if (reply.body !== undefined) {
      const data = Buffer.from(JSON.stringify(reply.body));
      res.writeHead(reply.status, {
        ...headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(data.length),
      });
      res.end(data);
    } else {
      res.writeHead(reply.status, { ...headers, 'content-length': '0' });
      res.end();
    }
  }

  private async dropConnection(
    req: IncomingMessage,
    res: ServerResponse,
    fault: Extract<Fault, { kind: 'drop' }>,
    route: Route,
    params: Record<string, string>,
    url: URL,
  ): Promise<void> {
    const total = Number(req.headers['content-length'] ?? 0);
    const limit = fault.afterBytes ?? Math.floor(total / 2);
    let received = 0;
    await new Promise<void>((resolve) => {
      if (limit <= 0 || total === 0) return resolve();
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= limit) resolve();
      });
      req.on('end', () => resolve());
      req.on('error', () => resolve());
    });
    if (fault.leavePartialAsset && route.operationId === 'repos/upload-release-asset') {
      const repo = this.repos.get(`${params.owner}/${params.repo}`.toLowerCase());
      const release = repo?.releases.find((r) => r.id === Number(params.release_id));
      const name = url.searchParams.get('name');
      if (repo && release && name && !release.assetIds.some((id) => repo.assets.get(id)?.name === name)) {
        const id = this.nextId();
        const now = nextTimestamp();
        repo.assets.set(id, {
          id,
          releaseId: release.id,
          name,
          label: null,
          contentType: String(req.headers['content-type'] ?? ''),
          state: 'open',
          data: Buffer.alloc(0),
          digest: null,
          createdAt: now,
          updatedAt: now,
        });
        release.assetIds.push(id);
      }
    }
    const record = this.requests[this.requests.length - 1];
    if (record) record.status = -1;
    req.socket.destroy();
    res.destroy();
  }

  private serveSignedBlob(key: string, method: string, res: ServerResponse): void {
    const target = this.signed.get(key);
    const asset = target && this.repos.get(target.repo.toLowerCase())?.assets.get(target.assetId);
    if (method !== 'GET' || !asset)
      return this.send(res, { status: 404, raw: Buffer.from('Not Found'), contentType: 'text/plain' });
    this.send(res, { status: 200, raw: asset.data, contentType: 'application/octet-stream' });
  }

  /** github.com/<owner>/<repo>/releases/download/<tag>/<name>: public repos and published releases only. */
  private async serveBrowserDownload(
    path: string,
    method: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    await readBody(req);
    const m = /^\/([^/]+)\/([^/]+)\/releases\/download\/([^/]+)\/([^/]+)$/.exec(path);
    const repo = m && this.repos.get(`${m[1]}/${m[2]}`.toLowerCase());
    const release =
      m && repo && !repo.private
        ? repo.releases.find((r) => !r.draft && r.tagName === decodeURIComponent(m[3]))
        : undefined;
    const asset =
      release && repo
        ? release.assetIds.map((id) => repo.assets.get(id)).find((a) => a?.name === decodeURIComponent(m![4]))
        : undefined;
    if (method !== 'GET' || !asset || !repo)
      return this.send(res, { status: 404, raw: Buffer.from('Not Found'), contentType: 'text/plain' });
    this.send(res, { status: 302, headers: { location: this.signedDownloadUrl(repo, asset.id) } });
  }
}

function applyChanges(base: Map<string, Buffer>, changes: FileMap): Map<string, Buffer> {
  const files = new Map(base);
  for (const [path, content] of Object.entries(changes)) {
    if (content === null) files.delete(path);
    else files.set(path, toBuffer(content));
  }
  return files;
}

function bearer(header: string | undefined): string | undefined {
  const m = /^(?:token|bearer)\s+(\S+)$/i.exec(header ?? '');
  return m?.[1];
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function errorReply(err: HttpError): Reply {
  return {
    status: err.status,
    body: { message: err.message, documentation_url: 'https://docs.github.com/rest', ...err.extra },
    headers: err.headers,
  };
}

function faultReply(fault: Exclude<Fault, { kind: 'drop' }>): Reply {
  if (fault.kind === 'status') {
    return {
      status: fault.status,
      body: { message: fault.message ?? 'Server Error (FakeGitHub injected fault)' },
    };
  }
  const wait = fault.retryAfterSeconds ?? 1;
  if (fault.primary) {
    return {
      status: fault.status ?? 403,
      body: {
        message: 'API rate limit exceeded for installation ID 1. (FakeGitHub injected fault)',
        documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
      },
      headers: {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + wait),
      },
    };
  }
  return {
    status: fault.status ?? 403,
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. (FakeGitHub injected fault)',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
    headers: { 'retry-after': String(wait) },
  };
}
