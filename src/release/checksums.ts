/**
 * A release's SHA256SUMS asset (pure): publish writes it, fetch and pin-bump read it. The format is
 * `sha256sum`'s, so `sha256sum -c SHA256SUMS` checks the downloaded assets.
 */
import { UserError } from '../util/errors';
import { shown } from '../util/log-text';

/** SHA256SUMS in the format of `sha256sum` (two spaces), sorted by name, so `sha256sum -c` checks it (pure). */
export function formatSha256Sums(sums: { name: string; sha256: string }[]): string {
  return [...sums]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => `${s.sha256}  ${s.name}\n`)
    .join('');
}

/** `<hex>  <name>` lines (sha256sum format, text or binary marker) → name → sha256 (pure); a name listed twice is refused. */
export function parseSha256Sums(text: string, where = 'SHA256SUMS'): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trim());
    if (!m) continue;
    // two sums for one name: which one vouches for the file is not for a reader to pick
    if (sums.has(m[2]))
      throw new UserError(
        `${where} lists ${shown(m[2])} more than once`,
        'do not use this release: publish writes each name once; re-publish it (publish --replace)',
      );
    sums.set(m[2], m[1].toLowerCase());
  }
  return sums;
}
