import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../util/errors';
import { Manifest, MANIFEST_SCHEMA_VERSION } from './manifest';

/** Reads and checks a manifest.json; every problem is a UserError naming the file and the fix. */
export function readManifestFile(path: string): Manifest {
  if (!existsSync(path))
    throw new UserError(
      `${path} is missing`,
      'run pg-bundle build (and verify) with this --out first, or pass the directories that hold manifest.json',
    );
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch (err) {
    throw new UserError(
      `${path} is not valid JSON: ${(err as Error).message}`,
      'rebuild it with pg-bundle build/verify',
    );
  }
  if (
    manifest?.schemaVersion !== MANIFEST_SCHEMA_VERSION ||
    typeof manifest.versions !== 'object' ||
    manifest.versions === null
  ) {
    throw new UserError(
      `${path} is not a pg-bundle manifest of schema version ${MANIFEST_SCHEMA_VERSION}`,
      'rebuild it with this version of pg-bundle',
    );
  }
  return manifest;
}
