import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../util/exec';
import { BinTools } from './cross';

/** Text of the marker file that stands in for a module linked into bin/postgres. */
export function markerText(module: string): string {
  return `pg-bundle: the module '${module}' is linked into bin/postgres (static build).\nThis file exists because PostgreSQL checks that $libdir/${module}.so exists before loading it.\n`;
}

export interface AssembleInput {
  /** staged install root for this version (<stage>/pg-bundle-unrelocated/vNN) */
  stagePrefix: string;
  /** <out>/vNN */
  target: string;
  postgres: string;
  initdb: string;
  modules: string[];
  /** where separate debug info goes (<out>/debug/vNN), or undefined to drop it */
  debugDir?: string;
  /** the target's binutils (a cross build's strip and objcopy) */
  tools: Pick<BinTools, 'objcopy' | 'strip'>;
}

async function installBinary(
  source: string,
  target: string,
  debugDir: string | undefined,
  tools: AssembleInput['tools'],
): Promise<void> {
  if (debugDir) {
    mkdirSync(debugDir, { recursive: true });
    const debugFile = join(debugDir, `${target.replace(/^.*\//, '')}.debug`);
    await run(tools.objcopy, ['--only-keep-debug', '--compress-debug-sections', source, debugFile]);
    await run(tools.strip, ['--strip-all', '-o', target, source]);
    await run(tools.objcopy, [`--add-gnu-debuglink=${debugFile}`, target], { cwd: debugDir });
  } else {
    await run(tools.strip, ['--strip-all', '-o', target, source]);
  }
  chmodSync(target, 0o755);
}

/**
 * Lays out <out>/vNN: bin/{initdb,postgres} (stripped), share/postgresql (from the staged install,
 * incl. the timezone data built from the tree), lib/postgresql/<module>.so markers. Locales are
 * added separately (lib/locale).
 */
export async function assembleBundle(input: AssembleInput): Promise<void> {
  rmSync(input.target, { recursive: true, force: true });
  mkdirSync(join(input.target, 'bin'), { recursive: true });
  await installBinary(input.postgres, join(input.target, 'bin', 'postgres'), input.debugDir, input.tools);
  await installBinary(input.initdb, join(input.target, 'bin', 'initdb'), input.debugDir, input.tools);
  const share = join(input.stagePrefix, 'share');
  if (!existsSync(join(share, 'postgresql', 'postgres.bki')))
    throw new Error(`staged install at ${input.stagePrefix} has no share/postgresql/postgres.bki`);
  cpSync(join(share, 'postgresql'), join(input.target, 'share', 'postgresql'), { recursive: true });
  const lib = join(input.target, 'lib', 'postgresql');
  mkdirSync(lib, { recursive: true });
  for (const m of input.modules) writeFileSync(join(lib, `${m}.so`), markerText(m));
  normaliseModes(input.target);
}

/** Files 0644, directories and executables 0755 (so the manifest does not depend on the umask). */
export function normaliseModes(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      chmodSync(path, 0o755);
      normaliseModes(path);
    } else if (entry.isFile()) {
      chmodSync(path, dir.endsWith('/bin') ? 0o755 : 0o644);
    }
  }
}
