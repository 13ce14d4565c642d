/** Why a --pin-file path cannot be used (it must be a plain repository path), or undefined. */
export function pinPathProblem(path: string): string | undefined {
  if (path === '' || path.startsWith('/') || path.endsWith('/'))
    return `pin file path ${JSON.stringify(path)} must be a file path relative to the repository root, without a leading or trailing slash`;
  if (path.split('/').some((s) => s === '' || s === '.' || s === '..'))
    return `pin file path ${JSON.stringify(path)} must not contain empty, "." or ".." segments`;
  if (/[\s*?[\]\\!#]/.test(path))
    return `pin file path ${JSON.stringify(path)} must not contain white space or any of * ? [ ] \\ ! # (they cannot be written as a CODEOWNERS pattern)`;
  return undefined;
}
