import { existsSync, readFileSync } from 'node:fs';
import { UserError } from '../util/errors';
import { parseJson } from '../util/json';
import { Manifest, MANIFEST_SCHEMA_VERSION } from './manifest';

/**
 * The one reader of manifest.json text (a file, or the copy inside a release tarball): checks the
 * JSON and the schema version; every problem is a UserError naming `where` and the fix.
 */
export function parseManifest(text: string, where: string): Manifest {
  const manifest = parseJson(text, where, 'rebuild it with pg-bundle build/verify') as Manifest;
  if (
    manifest?.schemaVersion !== MANIFEST_SCHEMA_VERSION ||
    typeof manifest.versions !== 'object' ||
    manifest.versions === null
  ) {
    throw new UserError(
      `${where} is not a pg-bundle manifest of schema version ${MANIFEST_SCHEMA_VERSION}`,
      'rebuild it with this version of pg-bundle, or use the pg-bundle version that made it',
    );
  }
  return manifest;
}

/** Reads and checks a manifest.json file (parseManifest); a missing file names the command to run. */
export function readManifestFile(path: string): Manifest {
  if (!existsSync(path))
    throw new UserError(
      `${path} is missing`,
      'run pg-bundle build (and verify) with this --out first, or pass the directories that hold manifest.json',
    );
  return parseManifest(readFileSync(path, 'utf8'), path);
}

/** manifest.json as pg-bundle writes it: 2-space JSON with a trailing newline. */
export function manifestJson(manifest: Manifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

/** Whether `dir` holds a manifest.json that pg-bundle wrote (it parses as a pg-bundle manifest). */
export function hasPgBundleManifest(dir: string): boolean {
  const path = `${dir}/manifest.json`;
  if (!existsSync(path)) return false;
  try {
    return parseManifest(readFileSync(path, 'utf8'), path).tool?.name === 'pg-bundle';
  } catch {
    return false;
  }
}
