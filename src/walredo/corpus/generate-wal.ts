/** Runs the workload on a private server and collects its WAL (the process edge of the corpus generator). */
import { chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '../../util/logger';
import { startPrivateServer } from './server';
import { copyFileContents, stepQueries, workloadSteps } from './workload';

export interface GeneratedWal {
  /** Directory with copies of the WAL segment files. */
  walDir: string;
  /** LSN (as text) at which the workload started; records before it come from initdb. */
  startLsn: string;
  endLsn: string;
  steps: number;
  /** Custom resource managers the server had registered, by id (v16+: pg_get_wal_resource_managers) */
  customRmgrs: Record<number, string>;
}

export interface GenerateWalOptions {
  binDir: string;
  outDir: string;
  scale?: number;
  log?: Logger;
  settings?: Record<string, string>;
  /** Modules loaded through shared_preload_libraries (the bundle's walredo preloads them too). */
  preload?: string[];
  /**
   * Whether records carry the page after them (wal_consistency_checking = all, the default: the
   * corpus compares with them); false writes WAL as a production server does (a WAL sample).
   */
  consistencyImages?: boolean;
}

/**
 * Statements run first in the workload's session. With preloaded modules: PostgreSQL expands
 * wal_consistency_checking = 'all' when the setting is read, before shared_preload_libraries are
 * loaded, so a custom resource manager would get no consistency images; set again in the session
 * (a superuser setting), 'all' includes it.
 */
export function sessionSetup(preload: readonly string[] = []): string[] {
  return preload.length ? ["SET wal_consistency_checking = 'all'"] : [];
}

/** Server settings for the preloaded modules (pure). */
export function preloadSettings(preload: readonly string[] = []): Record<string, string> {
  return preload.length ? { shared_preload_libraries: preload.join(',') } : {};
}

export async function generateWal(options: GenerateWalOptions): Promise<GeneratedWal> {
  const scale = options.scale ?? 1;
  const preload = options.preload ?? [];
  const checking = options.consistencyImages !== false;
  const server = await startPrivateServer({
    binDir: options.binDir,
    settings: {
      ...preloadSettings(preload),
      ...(checking ? {} : { wal_consistency_checking: '' }),
      ...options.settings,
    },
  });
  let startLsn = '';
  let endLsn = '';
  let steps = 0;
  let customRmgrs: Record<number, string> = {};
  try {
    const copyFile = join(server.dir, 'copy.tsv');
    writeFileSync(copyFile, copyFileContents(scale));
    chmodSync(copyFile, 0o644);
    const c = await server.connect();
    try {
      for (const q of sessionSetup(checking ? preload : [])) await c.query(q);
      startLsn = String((await c.query('SELECT pg_current_wal_insert_lsn()')).rows[0][0]);
      for (const step of workloadSteps(scale, copyFile, preload)) {
        options.log?.debug(`workload: ${step.name}`);
        for (const q of stepQueries(step)) await c.query(q);
        steps++;
      }
      await c.query('CHECKPOINT');
      endLsn = String((await c.query('SELECT pg_current_wal_insert_lsn()')).rows[0][0]);
      customRmgrs = await registeredCustomRmgrs(c);
    } finally {
      await c.close();
    }
    await server.stop();
    mkdirSync(options.outDir, { recursive: true });
    const walSrc = join(server.dataDir, 'pg_wal');
    for (const f of readdirSync(walSrc)) {
      if (/^[0-9A-F]{24}$/.test(f)) copyFileSync(join(walSrc, f), join(options.outDir, f));
    }
  } finally {
    await server.stop();
    server.cleanup();
  }
  return { walDir: options.outDir, startLsn, endLsn, steps, customRmgrs };
}

/** The custom resource managers a server has registered, by id (empty before v16, which cannot say). */
async function registeredCustomRmgrs(c: {
  query(sql: string): Promise<{ rows: unknown[][] }>;
}): Promise<Record<number, string>> {
  const has = await c.query("SELECT to_regproc('pg_get_wal_resource_managers') IS NOT NULL");
  if (String(has.rows[0][0]) !== 't') return {};
  const rows = (
    await c.query('SELECT rm_id, rm_name FROM pg_get_wal_resource_managers() WHERE NOT rm_builtin')
  ).rows;
  return Object.fromEntries(rows.map((r) => [Number(r[0]), String(r[1])]));
}
