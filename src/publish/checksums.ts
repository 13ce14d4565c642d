/** SHA256SUMS in the format of `sha256sum` (two spaces), sorted by name, so `sha256sum -c` checks it (pure). */
export function formatSha256Sums(sums: { name: string; sha256: string }[]): string {
  return [...sums]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => `${s.sha256}  ${s.name}\n`)
    .join('');
}
