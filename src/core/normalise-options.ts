/** Option values as a command receives them: defaults applied, lists split, booleans parsed strictly. */
import { UserError } from '../util/errors';
import { CommandName, OptionSpec } from './option-spec';
import { optionsFor, RawOptions } from './options';

/** Applies defaults and splits list inputs (the action passes lists as newline- or comma-separated text). */
export function normaliseOptions(command: CommandName, raw: RawOptions): RawOptions {
  const result: RawOptions = {};
  for (const spec of optionsFor(command)) {
    let value = raw[spec.key];
    if (value === undefined || value === '') value = spec.default;
    if (spec.kind === 'list' && typeof value === 'string')
      value = value
        .split(/[\n,]+/)
        .map((s) => s.trim())
        .filter(Boolean);
    if (spec.kind === 'boolean' && typeof value === 'string') value = parseBoolean(spec, value);
    result[spec.key] = value;
  }
  return result;
}

const YAML_TRUE = ['true', 'True', 'TRUE'];
const YAML_FALSE = ['false', 'False', 'FALSE'];

/** Exactly YAML 1.2's core-schema booleans, as `core.getBooleanInput` accepts them; anything else fails. */
export function parseBoolean(spec: OptionSpec, text: string): boolean {
  const value = text.trim();
  if (YAML_TRUE.includes(value)) return true;
  if (YAML_FALSE.includes(value)) return false;
  throw new UserError(
    `${spec.flag} is ${JSON.stringify(text)}, which is not a boolean`,
    `use one of ${[...YAML_TRUE, ...YAML_FALSE].join(', ')}`,
  );
}
