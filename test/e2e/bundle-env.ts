import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Manifest } from '../../src/core/manifest';

/**
 * End-to-end tests run against a bundle built by the README's main command (test/run-all.sh builds it
 * once per run and sets PG_BUNDLE_E2E_BUNDLE to its out directory).
 */
export const E2E_BUNDLE = process.env.PG_BUNDLE_E2E_BUNDLE ?? '';
export const E2E_VERSION = Number(process.env.PG_BUNDLE_E2E_VERSION ?? '15');

export function requireBundle(): { out: string; version: number; dir: string } {
  if (!E2E_BUNDLE || !existsSync(join(E2E_BUNDLE, 'manifest.json'))) {
    throw new Error(
      'set PG_BUNDLE_E2E_BUNDLE to the out directory of a built bundle (test/run-all.sh does this)',
    );
  }
  return { out: E2E_BUNDLE, version: E2E_VERSION, dir: join(E2E_BUNDLE, `v${E2E_VERSION}`) };
}

/**
 * A second bundle named by its own variable (e.g. PG_BUNDLE_E2E_FORK_BUNDLE), with the majors to test:
 * every version of its manifest, or PG_BUNDLE_E2E_VERSION alone when set. Undefined when the variable
 * is not set: the test file then defines one failing test that says how to set it.
 */
export function namedBundle(
  variable: string,
): { dir: string; manifest: Manifest; majors: number[] } | undefined {
  const dir = process.env[variable] ?? '';
  if (!dir) return undefined;
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const only = process.env.PG_BUNDLE_E2E_VERSION;
  const majors = Object.keys(manifest.versions)
    .map(Number)
    .filter((m) => !only || m === Number(only));
  return { dir, manifest, majors };
}
