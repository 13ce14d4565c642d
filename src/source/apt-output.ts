/** Readers of apt-get's output (pure): apt exits 0 after some failures, so its lines tell what went wrong. */

export interface MissingArchiveFile {
  /** file name in the archive's pool, e.g. postgresql-17_17.12.orig.tar.bz2 */
  file: string;
  url: string;
  status: number;
}

/** Files `apt-get source` could not fetch because the archive answered an HTTP error (e.g. 404). */
export function missingArchiveFiles(output: string): MissingArchiveFile[] {
  const files: MissingArchiveFile[] = [];
  for (const m of output.matchAll(/^E: Failed to fetch (\S+)\s+(\d{3})\b/gm)) {
    const url = m[1];
    const file = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    if (!files.some((f) => f.url === url)) files.push({ file, url, status: Number(m[2]) });
  }
  return files;
}

/** apt's failure lines (`Err:`, `E:`, and `W: Failed to fetch`), shortened to one line each. */
export function aptFailures(output: string): string[] {
  const lines: string[] = [];
  for (const line of output.split('\n')) {
    const m = /^(?:E: (.*)|W: (Failed to fetch .*|Some index files failed to download.*)|Err:\d+ (.*))$/.exec(
      line.trim(),
    );
    const text = m && (m[1] ?? m[2] ?? m[3]);
    if (text && !lines.includes(text)) lines.push(text);
  }
  return lines;
}
