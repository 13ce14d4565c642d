/**
 * Build-path leak detection (pure). A relocatable bundle may carry PostgreSQL's compiled-in install
 * directories only under a prefix that never exists on a host (pg-bundle uses /pg-bundle-unrelocated):
 * PostgreSQL computes share/ and lib/ relative to the executable and falls back to the compiled-in
 * path only when the layout does not match. What must not appear is any path of the machine that
 * built the bundle: its source tree, its build or output directory.
 */

/** NUL-terminated printable-ASCII strings that start with "/" (like `strings`, but only paths). */
export function absolutePathStrings(buf: Buffer, minLength = 5): string[] {
  const found = new Set<string>();
  let start = -1;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b >= 0x20 && b < 0x7f) {
      if (start < 0) start = i;
      continue;
    }
    if (b === 0 && start >= 0 && buf[start] === 0x2f && i - start >= minLength) {
      found.add(buf.toString('latin1', start, i));
    }
    start = -1;
  }
  return [...found].sort();
}

/** Strings that contain one of the forbidden directories (at a path boundary). */
export function leakedPaths(
  strings: readonly string[],
  forbidden: readonly string[],
): Array<{ path: string; directory: string }> {
  const dirs = forbidden.map((d) => d.replace(/\/+$/, '')).filter((d) => d.length > 1);
  const leaks: Array<{ path: string; directory: string }> = [];
  for (const s of strings) {
    for (const d of dirs) {
      const at = s.indexOf(d);
      if (at >= 0 && (s.length === at + d.length || s[at + d.length] === '/')) {
        leaks.push({ path: s, directory: d });
        break;
      }
    }
  }
  return leaks;
}

/** PostgreSQL's compiled-in look-up directories (PGSHAREDIR, PKGLIBDIR, LOCALEDIR) found in a binary. */
export function compiledLookupDirs(strings: readonly string[]): string[] {
  return strings.filter(
    (s) =>
      /^\/\S*\/(share\/postgresql|lib\/postgresql|share\/locale)$/.test(s) &&
      !s.startsWith('/usr/share/locale'),
  );
}

/** The directory of a `dir:<path>` source spec, the only kind that names a build-machine path. */
export function sourceDirOfSpec(spec: string | undefined): string | undefined {
  const m = spec?.match(/^dir:(\/.+)$/);
  return m ? m[1] : undefined;
}
