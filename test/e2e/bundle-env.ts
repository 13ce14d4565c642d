import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
