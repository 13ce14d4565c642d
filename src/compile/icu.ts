import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { withCacheLock } from './cache-lock';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { ResolveContext } from '../source/context';
import { fetchDebian } from '../source/debian-source';
import { fetchTarball } from '../source/tarball';
import { parseSourceSpec } from '../source/spec';
import { UserError } from '../util/errors';
import { capture, run } from '../util/exec';
import { Logger } from '../util/logger';

export interface IcuChoice {
  version: string;
  origin: string;
  /** Install prefix of an ICU built from source; undefined for the distribution's ICU */
  prefix?: string;
}

/** U_ICU_VERSION from unicode/uvernum.h (pure). */
export function parseIcuVersionHeader(text: string): string | undefined {
  return /^#define\s+U_ICU_VERSION\s+"([^"]+)"/m.exec(text)?.[1];
}

/**
 * Debian's ICU for Debian architecture `debianArch` (a cross build passes the environment that
 * points pkg-config at that architecture's .pc files).
 */
export async function systemIcu(debianArch: string, env: Record<string, string> = {}): Promise<IcuChoice> {
  const version = await capture('pkg-config', ['--modversion', 'icu-uc'], {
    env: { ...process.env, ...env },
  }).catch(() => '');
  if (!version)
    throw new UserError(
      'pkg-config cannot find ICU (icu-uc)',
      'run: sudo apt-get install -y libicu-dev pkg-config',
    );
  let pkg = '';
  try {
    // qualified: a machine with a foreign architecture has the package once per architecture
    pkg = await capture('dpkg-query', ['-W', '-f=${Package} ${Version}', `libicu-dev:${debianArch}`]);
  } catch {
    // not a dpkg system
  }
  return { version, origin: pkg ? `distribution (${pkg})` : 'distribution' };
}

/**
 * Builds ICU from source (static, -fPIC, data linked in) once per source checksum, under the cache.
 * `spec` is 'tarball:<path-or-url>' (with sha256) or 'debian:icu[=<version>]'.
 */
export async function icuFromSource(
  spec: string,
  sha256: string | undefined,
  ctx: ResolveContext,
  log: Logger,
  jobs = cpus().length,
): Promise<IcuChoice> {
  const parsed = parseSourceSpec(spec, sha256);
  let tree: string;
  let key: string;
  let origin: string;
  if (parsed.kind === 'tarball') {
    tree = await fetchTarball(parsed.location, parsed.sha256, ctx);
    key = parsed.sha256;
    origin = `source tarball sha256:${parsed.sha256}`;
  } else if (parsed.kind === 'debian') {
    const fetched = await fetchDebian(parsed.package, parsed.version, ctx);
    tree = fetched.tree;
    key = fetched.sha256;
    origin = `debian:${parsed.package}=${fetched.version} (upstream tarball sha256:${fetched.sha256})`;
  } else {
    throw new UserError(
      `--icu-source '${spec}' is a directory`,
      "use 'tarball:<path-or-url>' with --icu-sha256, or 'debian:icu[=<version>]'",
    );
  }
  const sourceDir = existsSync(join(tree, 'source', 'configure')) ? join(tree, 'source') : tree;
  if (!existsSync(join(sourceDir, 'configure')))
    throw new UserError(
      `${tree} does not look like an ICU source tree`,
      'point --icu-source at an ICU source tarball (icu4c-*-src.tgz) or debian:icu',
    );
  const base = join(ctx.cacheDir, 'icu', key);
  const prefix = join(base, 'install');
  const header = join(prefix, 'include', 'unicode', 'uvernum.h');
  // built once per source into the cache; concurrent builds wait for the first one
  await withCacheLock(base, log, async () => {
    if (!existsSync(join(base, 'done'))) {
      const build = join(base, 'build');
      mkdirSync(build, { recursive: true });
      const env = { ...process.env, CFLAGS: '-O2 -fPIC', CXXFLAGS: '-O2 -fPIC -std=c++17' };
      const logFile = join(base, 'build.log');
      await log.step(`configure ICU (${origin})`, () =>
        run(
          join(sourceDir, 'configure'),
          [
            `--prefix=${prefix}`,
            '--enable-static',
            '--disable-shared',
            '--disable-tests',
            '--disable-samples',
            '--disable-extras',
            '--disable-icuio',
            '--disable-layoutex',
            '--with-data-packaging=static',
          ],
          { cwd: build, env, logFile },
        ),
      );
      await log.step('build ICU', () => run('make', [`-j${jobs}`], { cwd: build, env, logFile }));
      await log.step('install ICU into the cache', () =>
        run('make', ['install'], { cwd: build, env, logFile }),
      );
      writeFileSync(join(base, 'done'), origin + '\n');
    }
  });
  const version = parseIcuVersionHeader(readFileSync(header, 'utf8'));
  if (!version) throw new Error(`cannot read U_ICU_VERSION from ${header}`);
  return { version, origin, prefix };
}
