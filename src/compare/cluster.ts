/**
 * One side's cluster: made by the bundle's own initdb in an empty root, exactly as verify runs it
 * (sandbox.ts, invocation.ts), then driven by single-user backends of the same bundle. Results come
 * back as files the backend writes under /inout.
 */
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { initdbArgv, singleUserArgv } from '../verify/invocation';
import { describeEnd, firstLines, succeeded } from '../verify/process';
import { createSandbox, IsolationMethod, Sandbox } from '../verify/sandbox';
import { singleUserScript } from './sql';

export type Side = 'old' | 'new';

/** Settings of every single-user backend: sorts of the corpus stay in memory. */
const BACKEND_SETTINGS = { work_mem: '256MB', maintenance_work_mem: '256MB' };

export class ClusterError extends Error {}

export interface Cluster {
  side: Side;
  major: number;
  /** the bundle whose programs run */
  bundleDir: string;
  /** host directory the backend sees as /inout (the data directory is data/ in it) */
  inout: string;
  /** runs statements in one single-user backend; throws ClusterError with the first error line */
  run(statements: readonly string[]): Promise<void>;
  /** writes a file the backend reads at /inout/<name> */
  put(name: string, text: string): void;
  /** reads a file the backend wrote at /inout/<name> */
  take(name: string): string;
  /** how the backend names /inout/<name> */
  backendPath(name: string): string;
}

function clusterOn(sandbox: Sandbox, side: Side, major: number, bundleDir: string): Cluster {
  const postgres = `${sandbox.bundlePath}/v${major}/bin/postgres`;
  return {
    side,
    major,
    bundleDir,
    inout: sandbox.inoutDir,
    async run(statements) {
      const argv = singleUserArgv(postgres, `${sandbox.inoutPath}/data`, BACKEND_SETTINGS);
      const o = await sandbox.run(argv, singleUserScript(statements));
      const errors = o.stderr.split('\n').filter((l) => /\b(ERROR|FATAL|PANIC):/.test(l));
      if (!succeeded(o) || errors.length > 0)
        throw new ClusterError(
          `${side} v${major}/bin/postgres --single ${describeEnd(o)}: ${firstLines(errors.join('\n') || o.stderr, 1)}`,
        );
    },
    put: (name, text) => writeFileSync(join(sandbox.inoutDir, name), text),
    take: (name) => readFileSync(join(sandbox.inoutDir, name), 'utf8'),
    backendPath: (name) => `${sandbox.inoutPath}/${name}`,
  };
}

/** initdb as verify runs it; returns the cluster and its pg_control as initdb left it. */
export async function initCluster(
  method: IsolationMethod,
  bundleDir: string,
  major: number,
  side: Side,
  workDir: string,
): Promise<{ cluster: Cluster; control: Buffer }> {
  const sandbox = await createSandbox(method, bundleDir, workDir);
  const argv = initdbArgv(`${sandbox.bundlePath}/v${major}/bin/initdb`, major, `${sandbox.inoutPath}/data`);
  const o = await sandbox.run(argv);
  if (!succeeded(o))
    throw new ClusterError(
      `${side} v${major}/bin/initdb ${describeEnd(o)}: ${firstLines(o.stderr || o.stdout, 1)}`,
    );
  const control = readFileSync(join(sandbox.inoutDir, 'data', 'global', 'pg_control'));
  return { cluster: clusterOn(sandbox, side, major, bundleDir), control };
}

/**
 * The old cluster's data directory under the new bundle's programs (same major): how the new
 * server meets indexes the old one built.
 */
export async function adoptCluster(
  method: IsolationMethod,
  from: Cluster,
  newBundleDir: string,
  workDir: string,
): Promise<Cluster> {
  const sandbox = await createSandbox(method, newBundleDir, workDir);
  const source = join(from.inout, 'data');
  const target = join(sandbox.inoutDir, 'data');
  cpSync(source, target, { recursive: true });
  // the copy belongs to us; the server must own it like the user that ran initdb (chroot, host runs)
  const { uid, gid } = statSync(source);
  if (uid !== process.getuid?.()) chownTree(target, uid, gid);
  return clusterOn(sandbox, 'new', from.major, newBundleDir);
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

/** A directory under the cluster's /inout the backend may write to (it may run as another user); returns its backend path. */
export function outputDir(cluster: Cluster, name: string): string {
  const host = join(cluster.inout, name);
  mkdirSync(host, { recursive: true });
  chmodSync(host, 0o777);
  return cluster.backendPath(name);
}
