/**
 * initdb as the storage service calls it (same flags, environment cleared but for
 * LD_LIBRARY_PATH=<dir>/lib, unprivileged: `setpriv --reuid=65534 ...` when run as root), timed;
 * and whether initdb runs in the same empty root as `pg-bundle verify` uses.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseElf } from '../src/verify/elf';
import { initdbArgv } from '../src/verify/invocation';
import { describeEnd, firstLines, succeeded } from '../src/verify/process';
import { createSandbox, hostRunner, probeIsolation } from '../src/verify/sandbox';

/** One initdb run on the host, in milliseconds. Throws with initdb's stderr when it fails. */
export async function initdbOnce(binDir: string, libDir: string, major: number): Promise<number> {
  const host = hostRunner();
  const work = mkdtempSync(join(tmpdir(), 'pgb-bench-initdb-'));
  try {
    chmodSync(work, 0o755);
    host.prepareDir(work);
    const argv = initdbArgv(join(binDir, 'initdb'), major, join(work, 'data'));
    const t0 = process.hrtime.bigint();
    const o = await host.run(argv, { env: { LD_LIBRARY_PATH: libDir }, cwd: work });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!succeeded(o)) throw new Error(`initdb ${describeEnd(o)}: ${firstLines(o.stderr || o.stdout, 3)}`);
    return ms;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface EmptyRootResult {
  ok: boolean;
  method: string;
  detail: string;
}

/**
 * initdb in an empty root (only the directory `root` at /bundle, /proc, /dev/null, /inout and a
 * passwd line), as verify runs it. `binDir` must be under `root`.
 */
export async function emptyRootInitdb(root: string, binDir: string, major: number): Promise<EmptyRootResult> {
  const probe = await probeIsolation();
  if (!probe.method) return { ok: false, method: 'none', detail: `no isolation: ${probe.notes.join('; ')}` };
  const work = mkdtempSync(join(tmpdir(), 'pgb-bench-root-'));
  try {
    const sb = await createSandbox(probe.method, root, work);
    const initdb = `${sb.bundlePath}/${relative(root, binDir)}/initdb`;
    const o = await sb.run(initdbArgv(initdb, major, `${sb.inoutPath}/data`));
    return succeeded(o)
      ? { ok: true, method: sb.method, detail: 'initdb succeeded' }
      : {
          ok: false,
          method: sb.method,
          detail: `initdb ${describeEnd(o)}: ${firstLines(o.stderr || o.stdout, 1)}${missingLoaderNote(
            readFileSync(join(binDir, 'initdb')),
          )}`,
        };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Why exec of an existing file says "No such file or directory": its ELF interpreter (the dynamic
 * loader) is not in the empty root (pure).
 */
export function missingLoaderNote(initdb: Buffer): string {
  try {
    const interpreter = parseElf(initdb).interpreter;
    return interpreter ? ` (its ELF interpreter ${interpreter} is not in the empty root)` : '';
  } catch {
    return '';
  }
}
