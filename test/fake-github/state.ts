/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): the in-memory state of the fake
 * repositories. Commits hold a full snapshot of their files (path → bytes), which is plenty for
 * the small repositories tests seed. Blob shas are real git blob shas; commit and tree shas are
 * sha1s of a stable serialisation (40 hex digits, like git's, but not git's bytes).
 */
import { createHash } from 'node:crypto';

export type Permission = 'read' | 'write' | 'admin';
/** Fine-grained permission names as GitHub spells them (contents, pull_requests, issues, metadata, ...). */
export type Permissions = Record<string, Permission>;

export interface Commit {
  sha: string;
  treeSha: string;
  files: Map<string, Buffer>;
  parents: string[];
  message: string;
  date: string;
}

export interface Tree {
  sha: string;
  files: Map<string, Buffer>;
}

export interface ReleaseState {
  id: number;
  tagName: string;
  targetCommitish: string;
  /** the last make_latest sent (create or update); undefined when never sent */
  makeLatest?: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  createdAt: string;
  publishedAt: string | null;
  assetIds: number[];
}

export interface AssetState {
  id: number;
  releaseId: number;
  name: string;
  label: string | null;
  contentType: string;
  /** "uploaded", or "open" for an upload that was cut off (it still blocks the name, as on GitHub). */
  state: 'uploaded' | 'open';
  data: Buffer;
  /** "sha256:<hex>" like GitHub's, or null (assets uploaded before GitHub computed digests). */
  digest: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PullState {
  number: number;
  id: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  maintainerCanModify: boolean;
  createdAt: string;
  updatedAt: string;
  labels: string[];
  requestedReviewers: string[];
  requestedTeams: string[];
}

export interface StatusState {
  id: number;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
}

export interface RepoState {
  id: number;
  owner: string;
  name: string;
  private: boolean;
  defaultBranch: string;
  createdAt: string;
  commits: Map<string, Commit>;
  trees: Map<string, Tree>;
  blobs: Map<string, Buffer>;
  /** Full ref names ("refs/heads/main", "refs/tags/v1") → commit sha */
  refs: Map<string, string>;
  releases: ReleaseState[];
  assets: Map<number, AssetState>;
  pulls: PullState[];
  /** commit statuses, oldest first (GitHub keeps every one; the latest per context counts) */
  statuses: StatusState[];
  /** Users ("@octocat") and teams ("@org/team") that exist and have write access; undefined = anyone. */
  knownOwners?: Set<string>;
}

export function sha1(data: string | Buffer): string {
  return createHash('sha1').update(data).digest('hex');
}

export function gitBlobSha(content: Buffer): string {
  return sha1(Buffer.concat([Buffer.from(`blob ${content.length}\0`), content]));
}

export function treeShaOf(files: Map<string, Buffer>): string {
  const lines = [...files.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, data]) => `${path}\0${gitBlobSha(data)}`);
  return sha1(`tree\n${lines.join('\n')}`);
}

let clock = Date.parse('2024-01-01T00:00:00Z');
/** A monotonically increasing timestamp (one second per call), so ordering by date is stable. */
export function nextTimestamp(): string {
  clock += 1000;
  return new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function makeCommit(
  repo: RepoState,
  files: Map<string, Buffer>,
  parents: string[],
  message: string,
): Commit {
  const treeSha = treeShaOf(files);
  const date = nextTimestamp();
  const sha = sha1(`commit\n${treeSha}\n${parents.join(',')}\n${date}\n${message}`);
  const commit: Commit = { sha, treeSha, files: new Map(files), parents, message, date };
  repo.commits.set(sha, commit);
  repo.trees.set(treeSha, { sha: treeSha, files: commit.files });
  for (const data of files.values()) repo.blobs.set(gitBlobSha(data), data);
  return commit;
}

/** True when `ancestor` is reachable from `descendant` through parent links. */
export function isAncestor(repo: RepoState, ancestor: string, descendant: string): boolean {
  const queue = [descendant];
  const seen = new Set<string>();
  while (queue.length) {
    const sha = queue.shift() as string;
    if (sha === ancestor) return true;
    if (seen.has(sha)) continue;
    seen.add(sha);
    queue.push(...(repo.commits.get(sha)?.parents ?? []));
  }
  return false;
}

export function toBuffer(content: string | Buffer): Buffer {
  return Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
}
