/**
 * A private, throw-away PostgreSQL server for generating WAL: initdb into a temp directory,
 * postgres listening only on a Unix socket in that directory, stopped with a fast shutdown.
 * Runs as an unprivileged user when started as root (postgres refuses to run as root).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../util/errors';
import { run, TailBuffer } from '../../util/exec';
import { PgConnection } from './pg-wire';

export const CORPUS_SERVER_SETTINGS: Readonly<Record<string, string>> = {
  listen_addresses: '',
  wal_consistency_checking: 'all',
  full_page_writes: 'on',
  wal_compression: 'off',
  wal_level: 'replica',
  fsync: 'off',
  synchronous_commit: 'on',
  autovacuum: 'off',
  max_wal_size: '4GB',
  min_wal_size: '1GB',
  wal_keep_size: '4GB',
  checkpoint_timeout: '1h',
  shared_buffers: '16MB',
  max_connections: '10',
  logging_collector: 'off',
  log_min_messages: 'warning',
};

export interface PrivateServerOptions {
  /** Directory holding initdb and postgres. */
  binDir: string;
  /** Extra or overriding settings. */
  settings?: Record<string, string>;
  /** Unprivileged uid/gid used when running as root (default 65534, "nobody"). */
  uid?: number;
  gid?: number;
  startTimeoutMs?: number;
  keepTempDir?: boolean;
}

export interface PrivateServer {
  dir: string;
  dataDir: string;
  socketDir: string;
  user: string;
  connect(database?: string): Promise<PgConnection>;
  /** Fast shutdown; resolves when postgres has exited. */
  stop(): Promise<void>;
  /** Removes the temp directory (after stop). */
  cleanup(): void;
  logTail(): string;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

export async function startPrivateServer(options: PrivateServerOptions): Promise<PrivateServer> {
  for (const f of [join(options.binDir, 'initdb'), join(options.binDir, 'postgres')]) {
    if (!existsSync(f)) {
      throw new UserError(
        `${f} does not exist`,
        'point at a bundle directory that has vNN/bin/{initdb,postgres}',
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'pgb-walredo-'));
  const started: { child?: ChildProcess } = {};
  try {
    return await startIn(dir, options, started);
  } catch (e) {
    started.child?.kill('SIGKILL');
    if (!options.keepTempDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

async function startIn(
  dir: string,
  options: PrivateServerOptions,
  started: { child?: ChildProcess },
): Promise<PrivateServer> {
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const uid = options.uid ?? 65534;
  const gid = options.gid ?? 65534;
  if (asRoot) chownTree(dir, uid, gid);
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', cmd, ...args]] : [cmd, args];
  const env = {}; // the storage service clears the environment too
  const user = 'cloud_admin';
  await run(
    ...wrap(join(options.binDir, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      user,
      '--encoding=UTF8',
      '--locale=C',
      '--auth=trust',
      '--no-sync',
      '--no-instructions',
    ]),
    { env, cwd: dir },
  );
  const settings = { ...CORPUS_SERVER_SETTINGS, unix_socket_directories: dir, ...(options.settings ?? {}) };
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const [cmd, cmdArgs] = wrap(join(options.binDir, 'postgres'), args);
  const tail = new TailBuffer(60);
  const child: ChildProcess = spawn(cmd, cmdArgs, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  started.child = child;
  child.stdout?.on('data', (d: Buffer) => tail.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => tail.push(d.toString()));
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.on('exit', () => ((exited = true), resolve())));
  const socketPath = join(dir, '.s.PGSQL.5432');
  const deadline = Date.now() + (options.startTimeoutMs ?? 60000);
  for (;;) {
    if (exited)
      throw new UserError(`postgres exited during start-up:\n${tail.text()}`, 'see the server log above');
    if (existsSync(socketPath)) {
      try {
        const c = await PgConnection.connect(socketPath, user, 'postgres');
        await c.close();
        break;
      } catch {
        /* still starting (e.g. "the database system is starting up") */
      }
    }
    if (Date.now() > deadline) {
      throw new UserError(`postgres did not accept connections within the start timeout:\n${tail.text()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir,
    dataDir,
    socketDir: dir,
    user,
    connect: (database = 'postgres') => PgConnection.connect(socketPath, user, database),
    async stop() {
      if (!exited) {
        child.kill('SIGINT');
        await exitPromise;
      }
    },
    cleanup() {
      if (!options.keepTempDir) rmSync(dir, { recursive: true, force: true });
    },
    logTail: () => tail.text(),
  };
}
