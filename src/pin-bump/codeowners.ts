/**
 * CODEOWNERS, read the way GitHub reads it (pure functions; the file is fetched elsewhere).
 *
 * Rules (GitHub's "About code owners" and the gitignore pattern format, with GitHub's differences):
 * - GitHub uses the first of .github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS that exists.
 * - One rule per line: a pattern, then owners (@user, @org/team or an e-mail address). `#` starts a
 *   comment at the beginning of a line or after white space. A pattern without owners un-owns the paths
 *   it matches. Lines with invalid syntax are skipped (and reported).
 * - The LAST matching rule wins; paths are case-sensitive.
 * - Not supported (lines using them are invalid): `!` negation, `[ ]` character ranges, `\` escapes
 *   (so `\#` cannot escape a leading hash).
 * - A pattern with a slash at the start or in the middle is anchored at the repository root
 *   (`/x`, `docs/x`); otherwise it matches at any depth (`x`, `*.js`, `apps/`).
 * - `*` matches within one path segment, `?` one character other than `/`; a leading `**\/`, an inner
 *   `/**\/` and a trailing `/**` span any number of directories.
 * - A pattern matches a file or a directory; matching a directory owns everything below it
 *   (`/apps/github`, `**\/logs`). A trailing `/` matches directories only (`dir/` owns everything under
 *   it). GitHub's exception to gitignore: a final `/*` matches only the direct children (`docs/*` owns
 *   `docs/a.md` but not `docs/sub/b.md`; we read `/*` the same way: files at the root only).
 */

export const CODEOWNERS_LOCATIONS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

export interface CodeownersRule {
  /** 1-based line number */
  line: number;
  /** the line as written (without its comment) */
  source: string;
  pattern: string;
  /** empty: the rule un-owns what it matches */
  owners: string[];
  matcher: RegExp;
}

/** Shaped like an entry of GitHub's `GET /repos/{owner}/{repo}/codeowners/errors`. */
export interface CodeownersProblem {
  line: number;
  column: number;
  /** 'Invalid pattern', 'Invalid owner' (syntax; GitHub skips the line) or GitHub's 'Unknown owner' */
  kind: string;
  source: string;
  message: string;
  suggestion?: string;
}

export interface Codeowners {
  rules: CodeownersRule[];
  problems: CodeownersProblem[];
}

export interface Ownership {
  /** the last rule that matched, if any */
  rule?: CodeownersRule;
  owners: string[];
}

const USER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const TEAM = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const EMAIL = /^[^@\s/]+@[^@\s/]+\.[^@\s/]+$/;

export type OwnerKind = 'user' | 'team' | 'email';

export function ownerKind(owner: string): OwnerKind | undefined {
  if (TEAM.test(owner)) return 'team';
  if (USER.test(owner)) return 'user';
  if (EMAIL.test(owner)) return 'email';
  return undefined;
}

/** `@org/team` → `{ org, slug }`; undefined for anything else. */
export function parseTeam(owner: string): { org: string; slug: string } | undefined {
  if (!TEAM.test(owner)) return undefined;
  const [org, slug] = owner.slice(1).split('/');
  return { org, slug };
}

/** Team and user names are case-insensitive on GitHub (paths are not). */
export function sameOwner(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
}

/** One path segment of a pattern (no `/`) as a regular expression. */
function segmentRegExp(segment: string): string {
  let out = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') {
      while (segment[i + 1] === '*') i++; // `**` inside a segment is an ordinary `*`
      out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += escapeRegExp(c);
  }
  return out;
}

/** Why a pattern is not valid in CODEOWNERS, or undefined when it is. */
export function patternProblem(
  pattern: string,
): { column: number; message: string; suggestion?: string } | undefined {
  if (pattern.startsWith('!'))
    return {
      column: 1,
      message: 'negation (`!`) is not supported in CODEOWNERS',
      suggestion: 'list the paths that should be owned instead, or add a later rule without owners',
    };
  const bracket = pattern.search(/[[\]]/);
  if (bracket >= 0)
    return {
      column: bracket + 1,
      message: 'character ranges (`[ ]`) are not supported in CODEOWNERS',
      suggestion: 'use `*` or `?`, or one rule per name',
    };
  const backslash = pattern.indexOf('\\');
  if (backslash >= 0)
    return {
      column: backslash + 1,
      message: 'escaping with `\\` is not supported in CODEOWNERS',
      suggestion: 'remove the backslash; a path starting with `#` cannot be written in CODEOWNERS',
    };
  if (/^\/+$/.test(pattern)) return { column: 1, message: 'the pattern names no path' };
  if (pattern.includes('//'))
    return { column: pattern.indexOf('//') + 1, message: 'empty path segment (`//`)' };
  return undefined;
}

/**
 * A pattern as a regular expression over repository paths without a leading slash
 * (`pageserver/postgres-bundle.json`). Throws on patterns that patternProblem rejects.
 */
export function compilePattern(pattern: string): RegExp {
  const problem = patternProblem(pattern);
  if (problem) throw new Error(`invalid CODEOWNERS pattern ${JSON.stringify(pattern)}: ${problem.message}`);
  const directoryOnly = pattern.endsWith('/');
  const trimmed = pattern.replace(/^\//, '').replace(/\/$/, '');
  const anchored = pattern.startsWith('/') || trimmed.includes('/');
  const segments = trimmed.split('/');
  const last = segments[segments.length - 1];

  let body = '';
  segments.forEach((segment, i) => {
    const isLast = i === segments.length - 1;
    if (segment === '**') {
      if (isLast)
        body += i === 0 ? '.*' : '.+'; // `abc/**`: everything inside abc (not abc itself)
      else body += '(?:[^/]+/)*'; // leading `**/` or inner `/**/`: zero or more directories
    } else {
      body += segmentRegExp(segment) + (isLast ? '' : '/');
    }
  });

  let tail: string;
  if (directoryOnly)
    tail = '/.+'; // a directory: only the paths below it
  else if (last === '**') tail = '';
  else if (last === '*' && anchored)
    tail = ''; // GitHub: `dir/*` (and `/*`) own direct children only
  else tail = '(?:/.+)?'; // a file, or a directory and everything below it

  return new RegExp(`^${anchored ? '' : '(?:[^/]+/)*'}${body}${tail}$`);
}

function withoutComment(line: string): string {
  const hash = line.search(/(^|\s)#/);
  return (hash < 0 ? line : line.slice(0, hash)).trim();
}

/** Parses a CODEOWNERS file (pure). Invalid lines become problems and are skipped, like GitHub does. */
export function parseCodeowners(text: string): Codeowners {
  const rules: CodeownersRule[] = [];
  const problems: CodeownersProblem[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const source = withoutComment(raw);
    if (source === '') return;
    const [pattern, ...owners] = source.split(/\s+/);
    const bad = patternProblem(pattern);
    if (bad) {
      problems.push({
        line,
        column: raw.indexOf(pattern) + bad.column,
        kind: 'Invalid pattern',
        source: raw,
        message: bad.message,
        ...(bad.suggestion ? { suggestion: bad.suggestion } : {}),
      });
      return;
    }
    const badOwner = owners.find((o) => ownerKind(o) === undefined);
    if (badOwner) {
      problems.push({
        line,
        column: raw.indexOf(badOwner, raw.indexOf(pattern) + pattern.length) + 1,
        kind: 'Invalid owner',
        source: raw,
        message: `${JSON.stringify(badOwner)} is not @user, @org/team or an e-mail address`,
        suggestion: 'write owners as @user, @org/team-name or user@example.com',
      });
      return;
    }
    rules.push({ line, source, pattern, owners, matcher: compilePattern(pattern) });
  });
  return { rules, problems };
}

/** Who owns a repository path: the last matching rule decides (pure). */
export function ownersOf(codeowners: Codeowners, path: string): Ownership {
  const normalised = path.replace(/^\/+/, '');
  for (let i = codeowners.rules.length - 1; i >= 0; i--) {
    const rule = codeowners.rules[i];
    if (rule.matcher.test(normalised)) return { rule, owners: rule.owners };
  }
  return { owners: [] };
}

/** The file GitHub would use, given which of the candidate files exist (first found wins). */
export function chooseCodeownersFile<T>(
  found: Partial<Record<(typeof CODEOWNERS_LOCATIONS)[number], T>>,
): { path: (typeof CODEOWNERS_LOCATIONS)[number]; content: T } | undefined {
  for (const path of CODEOWNERS_LOCATIONS) {
    const content = found[path];
    if (content !== undefined) return { path, content };
  }
  return undefined;
}
