/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): the Git database API (refs, blobs,
 * trees, commits). A non-fast-forward ref update without `force` is refused with 422, as on GitHub.
 */
import { gitCommitObject, refObject } from '../objects';
import { HandlerContext, HttpError, notFound, Route } from '../routing';
import { gitBlobSha, isAncestor, makeCommit, treeShaOf } from '../state';

const READ = [{ name: 'contents', level: 'read' as const }];
const WRITE = [{ name: 'contents', level: 'write' as const }];

function fullRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/${ref}`;
}

interface TreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
  size?: number;
  url: string;
}

function treeEntries(ctx: HandlerContext, files: Map<string, Buffer>, recursive: boolean): TreeEntry[] {
  const r = `${ctx.urls.api}/repos/${ctx.repo.owner}/${ctx.repo.name}`;
  const entries = new Map<string, TreeEntry>();
  for (const [path, data] of files) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!recursive && i > 1) break;
      if (!entries.has(dir)) {
        const sub = new Map([...files].filter(([p]) => p.startsWith(`${dir}/`)));
        const sha = treeShaOf(sub);
        ctx.repo.trees.set(sha, {
          sha,
          files: new Map([...sub].map(([p, d]) => [p.slice(dir.length + 1), d])),
        });
        entries.set(dir, { path: dir, mode: '040000', type: 'tree', sha, url: `${r}/git/trees/${sha}` });
      }
    }
    if (recursive || parts.length === 1) {
      const sha = gitBlobSha(data);
      entries.set(path, {
        path,
        mode: '100644',
        type: 'blob',
        sha,
        size: data.length,
        url: `${r}/git/blobs/${sha}`,
      });
    }
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

function treeReply(
  ctx: HandlerContext,
  status: number,
  sha: string,
  files: Map<string, Buffer>,
  recursive: boolean,
) {
  return {
    status,
    body: {
      sha,
      url: `${ctx.urls.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/git/trees/${sha}`,
      tree: treeEntries(ctx, files, recursive),
      truncated: false,
    },
  };
}

export const gitRoutes: Route[] = [
  {
    operationId: 'git/get-ref',
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/ref/{ref}',
    needs: READ,
    handler(ctx) {
      const ref = fullRef(ctx.params.ref);
      const sha = ctx.repo.refs.get(ref);
      if (!sha) throw notFound();
      return { status: 200, body: refObject(ctx.urls, ctx.repo, ref, sha) };
    },
  },
  {
    operationId: 'git/create-ref',
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/refs',
    needs: WRITE,
    handler(ctx) {
      const { ref, sha } = ctx.body as { ref: string; sha: string };
      if (!/^refs\/(heads|tags)\/.+/.test(ref))
        throw new HttpError(
          422,
          'Reference name must start with refs/heads/ or refs/tags/ (fake: only those are supported)',
        );
      if (ctx.repo.refs.has(ref)) throw new HttpError(422, 'Reference already exists');
      if (!ctx.repo.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
      ctx.repo.refs.set(ref, sha);
      return { status: 201, body: refObject(ctx.urls, ctx.repo, ref, sha) };
    },
  },
  {
    operationId: 'git/update-ref',
    method: 'PATCH',
    path: '/repos/{owner}/{repo}/git/refs/{ref}',
    needs: WRITE,
    handler(ctx) {
      const ref = fullRef(ctx.params.ref);
      const current = ctx.repo.refs.get(ref);
      if (!current) throw new HttpError(422, 'Reference does not exist');
      const { sha, force } = ctx.body as { sha: string; force?: boolean };
      if (!ctx.repo.commits.has(sha)) throw new HttpError(422, 'Object does not exist');
      if (!force && !isAncestor(ctx.repo, current, sha))
        throw new HttpError(422, 'Update is not a fast forward');
      ctx.repo.refs.set(ref, sha);
      return { status: 200, body: refObject(ctx.urls, ctx.repo, ref, sha) };
    },
  },
  {
    operationId: 'git/delete-ref',
    method: 'DELETE',
    path: '/repos/{owner}/{repo}/git/refs/{ref}',
    needs: WRITE,
    handler(ctx) {
      const ref = fullRef(ctx.params.ref);
      if (!ctx.repo.refs.delete(ref)) throw new HttpError(422, 'Reference does not exist');
      return { status: 204 };
    },
  },
  {
    operationId: 'git/create-blob',
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/blobs',
    needs: WRITE,
    handler(ctx) {
      const { content, encoding } = ctx.body as { content: string; encoding?: string };
      const data = Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8');
      const sha = gitBlobSha(data);
      ctx.repo.blobs.set(sha, data);
      return {
        status: 201,
        body: { sha, url: `${ctx.urls.api}/repos/${ctx.repo.owner}/${ctx.repo.name}/git/blobs/${sha}` },
      };
    },
  },
  {
    operationId: 'git/create-tree',
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/trees',
    needs: WRITE,
    handler(ctx) {
      const { tree, base_tree } = ctx.body as {
        tree: { path?: string; mode?: string; type?: string; sha?: string | null; content?: string }[];
        base_tree?: string;
      };
      const files = new Map<string, Buffer>();
      if (base_tree) {
        const base = ctx.repo.trees.get(base_tree);
        if (!base)
          throw new HttpError(
            422,
            'base_tree is not a valid tree oid (fake: create it through this API or use a commit tree)',
          );
        for (const [p, d] of base.files) files.set(p, d);
      }
      for (const entry of tree) {
        if (!entry.path) throw new HttpError(422, 'tree.path is required');
        if (entry.type && entry.type !== 'blob')
          throw new HttpError(422, `FakeGitHub supports only blob tree entries (got ${entry.type})`);
        if (entry.sha === null) files.delete(entry.path);
        else if (entry.content !== undefined) files.set(entry.path, Buffer.from(entry.content, 'utf8'));
        else if (entry.sha) {
          const data = ctx.repo.blobs.get(entry.sha);
          if (!data) throw new HttpError(422, `tree.sha ${entry.sha} is not a valid blob`);
          files.set(entry.path, data);
        }
      }
      const sha = treeShaOf(files);
      ctx.repo.trees.set(sha, { sha, files });
      return treeReply(ctx, 201, sha, files, false);
    },
  },
  {
    operationId: 'git/get-tree',
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/trees/{tree_sha}',
    needs: READ,
    handler(ctx) {
      const tree = ctx.repo.trees.get(ctx.params.tree_sha);
      if (!tree) throw notFound();
      return treeReply(
        ctx,
        200,
        tree.sha,
        tree.files,
        ctx.query.recursive !== undefined && ctx.query.recursive !== '0' && ctx.query.recursive !== 'false',
      );
    },
  },
  {
    operationId: 'git/create-commit',
    method: 'POST',
    path: '/repos/{owner}/{repo}/git/commits',
    needs: WRITE,
    handler(ctx) {
      const { message, tree, parents } = ctx.body as { message: string; tree: string; parents?: string[] };
      const t = ctx.repo.trees.get(tree);
      if (!t) throw new HttpError(422, 'Tree SHA does not exist');
      for (const p of parents ?? [])
        if (!ctx.repo.commits.has(p))
          throw new HttpError(422, 'Parent SHA does not exist or is not a commit object');
      const commit = makeCommit(ctx.repo, t.files, parents ?? [], message);
      return { status: 201, body: gitCommitObject(ctx.urls, ctx.repo, commit) };
    },
  },
  {
    operationId: 'git/get-commit',
    method: 'GET',
    path: '/repos/{owner}/{repo}/git/commits/{commit_sha}',
    needs: READ,
    handler(ctx) {
      const commit = ctx.repo.commits.get(ctx.params.commit_sha);
      if (!commit) throw notFound();
      return { status: 200, body: gitCommitObject(ctx.urls, ctx.repo, commit) };
    },
  },
];
