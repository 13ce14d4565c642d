/**
 * Part of FakeGitHub (a FAKE of GitHub's REST API for tests): a small approximation of what
 * `GET /repos/{owner}/{repo}/codeowners/errors` reports. It flags the syntax GitHub does not
 * support (`!` negation, `[ ]` ranges), owners that are not `@user`, `@org/team` or an e-mail
 * address, and, when the repository was seeded with `knownOwners`, owners that do not exist or
 * lack write access ("Unknown owner"). Real GitHub checks more; pin-bump must not rely on more.
 */

/** The places GitHub reads CODEOWNERS from, in order; the first one found wins. */
export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'];

export interface CodeownersError {
  line: number;
  column: number;
  kind: string;
  source: string;
  suggestion: string | null;
  message: string;
  path: string;
}

const OWNER_SYNTAX = /^(@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

export function codeownersErrors(path: string, text: string, knownOwners?: Set<string>): CodeownersError[] {
  const errors: CodeownersError[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const content = line.replace(/(^|\s)#.*$/, '').trim();
    if (!content) return;
    const tokens = content.split(/\s+/);
    const pattern = tokens[0];
    const add = (kind: string, column: number, suggestion: string | null = null) =>
      errors.push({
        line: index + 1,
        column,
        kind,
        source: line,
        suggestion,
        message: `${kind} on line ${index + 1}:\n\n  ${line}\n  ${' '.repeat(column - 1)}^`,
        path,
      });
    if (pattern.startsWith('!') || /\[.*\]/.test(pattern)) add('Invalid pattern', line.indexOf(pattern) + 1);
    for (const owner of tokens.slice(1)) {
      const column = line.indexOf(owner) + 1;
      if (!OWNER_SYNTAX.test(owner)) add('Invalid owner', column);
      else if (owner.startsWith('@') && knownOwners && !knownOwners.has(owner))
        add('Unknown owner', column, `make sure ${owner} exists and has write access to the repository`);
    }
  });
  return errors;
}
