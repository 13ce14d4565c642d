/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): loads the operations FakeGitHub
 * serves from GitHub's published OpenAPI description (`@octokit/openapi`, dereferenced form).
 *
 * The full description is 70 MB; it is read once and the few operations used are cached in
 * the OS temp directory, keyed by the package version and the operation list, so later test
 * files start fast. Delete the cache directory to force a re-read.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

export interface OpenApiOperation {
  operationId: string;
  method: string;
  path: string;
  parameters?: OpenApiParameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: unknown }> }>;
  servers?: { url: string }[];
}

export interface OperationKey {
  method: string;
  path: string;
}

interface CachedSubset {
  version: string;
  operations: OpenApiOperation[];
  /** Every method+path pair in the whole description, to tell "not in the description" from "not implemented". */
  allRoutes: string[];
}

function openApiPackageDir(): string {
  return dirname(require.resolve('@octokit/openapi/package.json'));
}

function cacheFile(version: string, keys: OperationKey[]): string {
  const id = createHash('sha256')
    .update(JSON.stringify(keys.map((k) => `${k.method} ${k.path}`).sort()))
    .digest('hex')
    .slice(0, 16);
  return join(tmpdir(), 'pg-bundle-fake-github', `openapi-${version}-${id}.json`);
}

let memo: { key: string; subset: CachedSubset } | undefined;

/** Returns the requested operations (throws when one is not in the description) and the list of all routes. */
export function loadOperations(keys: OperationKey[]): CachedSubset {
  const pkgDir = openApiPackageDir();
  const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string })
    .version;
  const file = cacheFile(version, keys);
  if (memo?.key === file) return memo.subset;
  let subset: CachedSubset | undefined;
  if (existsSync(file)) {
    try {
      subset = JSON.parse(readFileSync(file, 'utf8')) as CachedSubset;
    } catch {
      subset = undefined;
    }
  }
  if (!subset) {
    subset = extract(join(pkgDir, 'generated', 'api.github.com.deref.json'), version, keys);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(subset));
    renameSync(tmp, file);
  }
  memo = { key: file, subset };
  return subset;
}

function extract(descriptionFile: string, version: string, keys: OperationKey[]): CachedSubset {
  const description = JSON.parse(readFileSync(descriptionFile, 'utf8')) as {
    paths: Record<string, Record<string, Omit<OpenApiOperation, 'method' | 'path'>>>;
  };
  const operations: OpenApiOperation[] = [];
  for (const { method, path } of keys) {
    const op = description.paths[path]?.[method.toLowerCase()];
    if (!op)
      throw new Error(`FakeGitHub: ${method} ${path} is not in GitHub's OpenAPI description ${version}`);
    operations.push({ ...op, method: method.toUpperCase(), path });
  }
  const allRoutes: string[] = [];
  for (const [path, item] of Object.entries(description.paths)) {
    for (const method of Object.keys(item)) {
      if (['get', 'put', 'post', 'patch', 'delete', 'head'].includes(method))
        allRoutes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return { version, operations, allRoutes };
}
