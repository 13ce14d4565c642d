/** The project's JSON schemas (schemas/<name>): one ajv setup, each schema read and compiled once. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { packageRoot } from './package-root';

const validators = new Map<string, ValidateFunction>();

/** The path of schemas/<name> in pg-bundle's tree. */
export function schemaPath(name: string): string {
  return join(packageRoot(), 'schemas', name);
}

/** The validator of schemas/<name>: every error reported (allErrors), unknown keywords refused (strict). */
export function schemaValidator(name: string): ValidateFunction {
  let validate = validators.get(name);
  if (!validate) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    addFormats(ajv);
    validate = ajv.compile(JSON.parse(readFileSync(schemaPath(name), 'utf8')) as object);
    validators.set(name, validate);
  }
  return validate;
}
