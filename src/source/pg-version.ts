/** Facts read from a PostgreSQL source tree's text files (pure parsers). */

export interface PgSourceVersion {
  /** e.g. "15.18" or "18.6" or "17devel" */
  full: string;
  major: number;
}

/** Reads PACKAGE_VERSION from an autoconf `configure` script (all of v14..v18 ship one). */
export function parseConfigureVersion(configureText: string): PgSourceVersion | undefined {
  const m = /^PACKAGE_VERSION='([^']+)'/m.exec(configureText);
  return m ? toVersion(m[1]) : undefined;
}

function toVersion(full: string): PgSourceVersion | undefined {
  const m = /^(\d+)/.exec(full);
  return m ? { full, major: Number(m[1]) } : undefined;
}

/** CATALOG_VERSION_NO from src/include/catalog/catversion.h. */
export function parseCatversion(headerText: string): number | undefined {
  const m = /^#define\s+CATALOG_VERSION_NO\s+(\d+)/m.exec(headerText);
  return m ? Number(m[1]) : undefined;
}

/**
 * Does the tree already provide a `--wal-redo` mode (a storage-service fork)? Detected from
 * main.c's argument dispatch.
 */
export function treeHasWalRedo(mainCText: string): boolean {
  return /"--wal-redo"/.test(mainCText);
}

/**
 * Does the tree's configure offer `--with-libseccomp` (a storage-service fork's option; upstream
 * has none)? A fork's walredo module compiles its seccomp sandbox only when it is given.
 */
export function configureOffersLibseccomp(configureText: string): boolean {
  return /^\s*--with-libseccomp\b/m.test(configureText);
}
