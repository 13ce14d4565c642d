/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): turns OpenAPI 3.0 schema objects from
 * GitHub's published description into JSON Schema that ajv understands. Pure functions.
 *
 * - `nullable: true` becomes `type: [T, "null"]` (or `anyOf: [schema, {type: "null"}]` when there is
 *   no type), and `null` is added to an `enum`.
 * - `oneOf` becomes `anyOf`: GitHub's description uses oneOf for alternatives that overlap (a 409
 *   body `{message, documentation_url}` matches both of its branches), which no real answer could pass.
 * - OpenAPI-only annotations (`example`, `xml`, `discriminator`, ...) are dropped.
 * - With `closeObjects`, an object schema that lists `properties` and says nothing about
 *   `additionalProperties` rejects properties the description does not know. GitHub's description
 *   leaves objects open; closing them makes the fake fail loudly when it invents a field (drift).
 */

export type JsonSchema = Record<string, unknown>;

const DROPPED_KEYWORDS = new Set([
  'example',
  'examples',
  'xml',
  'discriminator',
  'externalDocs',
  'deprecated',
  'readOnly',
  'writeOnly',
  'x-github',
  'x-octokit',
]);
const COMBINATORS = ['allOf', 'anyOf', 'oneOf'] as const;

export interface ConvertOptions {
  closeObjects?: boolean;
}

export function openApiToJsonSchema(schema: unknown, options: ConvertOptions = {}): JsonSchema {
  return convert(schema, options, true) as JsonSchema;
}

function convert(schema: unknown, options: ConvertOptions, closable: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => convert(s, options, closable));
  if (!schema || typeof schema !== 'object') return schema;
  const input = schema as Record<string, unknown>;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(input)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, sub]) => [
          name,
          convert(sub, options, true),
        ]),
      );
    } else if ((COMBINATORS as readonly string[]).includes(key)) {
      // Branches of a combinator are checked one at a time: closing them would reject the
      // properties that another branch declares.
      out[key === 'oneOf' ? 'anyOf' : key] = (value as unknown[]).map((s) =>
        convert(s, options, key !== 'allOf'),
      );
    } else if (
      key === 'items' ||
      key === 'not' ||
      (key === 'additionalProperties' && typeof value === 'object')
    ) {
      out[key] = convert(value, options, true);
    } else {
      out[key] = value;
    }
  }
  if (
    options.closeObjects &&
    closable &&
    out.properties &&
    out.additionalProperties === undefined &&
    !COMBINATORS.some((c) => c in out)
  ) {
    out.additionalProperties = false;
  }
  if (input.nullable === true) return makeNullable(out);
  return out;
}

function makeNullable(schema: JsonSchema): JsonSchema {
  const result: JsonSchema = { ...schema };
  if (Array.isArray(result.enum) && !result.enum.includes(null)) result.enum = [...result.enum, null];
  if (typeof result.type === 'string') {
    result.type = [result.type, 'null'];
    return result;
  }
  if (Array.isArray(result.type)) {
    if (!result.type.includes('null')) result.type = [...result.type, 'null'];
    return result;
  }
  return { anyOf: [schema, { type: 'null' }] };
}

/** Every `format` named anywhere in a schema (so that unknown ones can be registered as annotations). */
export function formatsUsed(schema: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(schema)) schema.forEach((s) => formatsUsed(s, found));
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'format' && typeof value === 'string') found.add(value);
      else formatsUsed(value, found);
    }
  }
  return found;
}
