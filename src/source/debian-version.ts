/** Debian version strings: dpkg's ordering, in TypeScript (pure). */

/** dpkg's version ordering (pure): negative when a < b, 0 when equal, positive when a > b. */
export function compareDebianVersions(a: string, b: string): number {
  const split = (v: string) => {
    const colon = v.indexOf(':');
    const epoch = colon > 0 ? Number(v.slice(0, colon)) : 0;
    const rest = colon > 0 ? v.slice(colon + 1) : v;
    const dash = rest.lastIndexOf('-');
    return {
      epoch,
      upstream: dash > 0 ? rest.slice(0, dash) : rest,
      revision: dash > 0 ? rest.slice(dash + 1) : '',
    };
  };
  const order = (c: string) =>
    c === '~' ? -1 : c === '' ? 0 : /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256;
  const part = (x: string, y: string): number => {
    let i = 0;
    let j = 0;
    while (i < x.length || j < y.length) {
      // non-digit prefix, character by character
      while ((i < x.length && !/\d/.test(x[i])) || (j < y.length && !/\d/.test(y[j]))) {
        const cx = i < x.length && !/\d/.test(x[i]) ? x[i] : '';
        const cy = j < y.length && !/\d/.test(y[j]) ? y[j] : '';
        const d = order(cx) - order(cy);
        if (d !== 0) return d;
        if (cx) i++;
        if (cy) j++;
      }
      let nx = '';
      let ny = '';
      while (i < x.length && /\d/.test(x[i])) nx += x[i++];
      while (j < y.length && /\d/.test(y[j])) ny += y[j++];
      const d = Number(nx || '0') - Number(ny || '0');
      if (d !== 0) return d;
    }
    return 0;
  };
  const va = split(a);
  const vb = split(b);
  return va.epoch - vb.epoch || part(va.upstream, vb.upstream) || part(va.revision, vb.revision);
}

/** Debian versions, newest first (dpkg's ordering; pure). */
export function newestFirst(versions: readonly string[]): string[] {
  return [...versions].sort((a, b) => compareDebianVersions(b, a));
}
