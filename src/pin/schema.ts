/**
 * What a valid pin is: it follows schemas/pin-file.schema.json (checked with ajv), and the platforms
 * of its release hold the same PostgreSQL versions. read.ts and write.ts both check through here.
 */
import { readFileSync } from 'node:fs';
import { platformOrder } from '../core/platform';
import { UserError } from '../util/errors';
import { shown } from '../util/log-text';
import { schemaPath, schemaValidator } from '../util/json-schema';
import { PinFile, PinFileV1, PinnedBundle } from './types';

const PIN_SCHEMA = 'pin-file.schema.json';
const pinValidator = () => schemaValidator(PIN_SCHEMA);

let versionPattern: RegExp | undefined;

/** The pin schema's pattern of a PostgreSQL version (`$defs.version.properties.postgresVersion`). */
export function postgresVersionPattern(): RegExp {
  if (!versionPattern) {
    const schema = JSON.parse(readFileSync(schemaPath(PIN_SCHEMA), 'utf8')) as {
      $defs: { version: { properties: { postgresVersion: { pattern: string } } } };
    };
    versionPattern = new RegExp(schema.$defs.version.properties.postgresVersion.pattern);
  }
  return versionPattern;
}

/** Schema problems of a parsed pin file, as readable lines (empty when valid). */
export function pinProblems(value: unknown): string[] {
  const validate = pinValidator();
  if (validate(value)) return [];
  // "must match then/else schema" only repeats that the form's own errors exist
  return (validate.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .map(
      (e) =>
        `${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`,
    );
}

export function assertValidPin(value: unknown, where: string): asserts value is PinFile | PinFileV1 {
  const problems = pinProblems(value);
  if (problems.length > 0) {
    throw new UserError(
      `${where} does not follow the pin file schema (schemas/pin-file.schema.json):\n  ${problems.join('\n  ')}`,
      'fix the file by hand or let pg-bundle pin-bump rewrite it',
    );
  }
}

/** The platforms of one release must hold the same PostgreSQL versions (pure); the first difference, or undefined. */
export function platformVersionMismatch(platforms: Record<string, PinnedBundle>): string | undefined {
  const [first, ...others] = platformOrder(Object.keys(platforms));
  const describe = (b: PinnedBundle) =>
    Object.keys(b.versions)
      .sort((a, c) => Number(a) - Number(c))
      .map((m) => `${m}=${b.versions[m].postgresVersion}`)
      .join(', ');
  for (const other of others) {
    const a = describe(platforms[first]);
    const b = describe(platforms[other]);
    if (a !== b) return `${first} has PostgreSQL ${shown(a)} but ${other} has ${shown(b)}`;
  }
  return undefined;
}
