import { UserError } from './errors';

/** JSON.parse whose syntax error is a UserError naming `where` and the fix. */
export function parseJson(text: string, where: string, fix: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${where} is not valid JSON: ${(err as Error).message}`, fix);
  }
}
