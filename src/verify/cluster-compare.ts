/**
 * Compares two freshly initialised data directories (pure). Catalog relation files are compared
 * per 8 KiB page with the page header's pd_lsn (bytes 0-7) and pd_checksum (bytes 8-9) zeroed,
 * since those depend on where WAL happened to be; everything else is compared byte for byte, except
 * files that differ between two runs by design (each excluded with its reason).
 */

export const PAGE_SIZE = 8192;

export type FileRule =
  { kind: 'exclude'; reason: string } | { kind: 'relation' } | { kind: 'config' } | { kind: 'bytes' };

const EXCLUDED: Array<[RegExp, string]> = [
  [
    /^global\/pg_control$/,
    'system identifier, timestamps and checkpoint LSNs differ by design (read by the pg-control check)',
  ],
  [/^pg_wal\//, 'WAL page headers carry the system identifier and records carry timestamps'],
  [/^pg_stat(_tmp)?\//, 'statistics files carry timestamps'],
  [/(^|\/)pg_internal\.init$/, 'relation cache file, rebuilt at start-up'],
  [/^postmaster\.(pid|opts)$/, 'written by a running server, not by initdb'],
  [/^(log|pg_log)\//, 'server logs'],
];

const RELATION = /^(global|base\/\d+)\/\d+(_fsm|_vm|_init)?(\.\d+)?$/;

export function fileRule(path: string): FileRule {
  for (const [re, reason] of EXCLUDED) if (re.test(path)) return { kind: 'exclude', reason };
  if (RELATION.test(path)) return { kind: 'relation' };
  if (path === 'postgresql.conf') return { kind: 'config' };
  return { kind: 'bytes' };
}

/**
 * postgresql.conf settings initdb chooses by probing the machine it runs on: the time zone (TZ or
 * /etc/localtime), the shared-memory type (posix when /dev/shm exists, else sysv) and the largest
 * max_connections/shared_buffers that start. They differ between hosts by design; they are masked
 * for the comparison and listed by probedSettingDifferences.
 */
export const HOST_PROBED_SETTINGS = [
  'timezone',
  'log_timezone',
  'dynamic_shared_memory_type',
  'max_connections',
  'shared_buffers',
];
const PROBED_LINE = new RegExp(`^(${HOST_PROBED_SETTINGS.join('|')})\\s*=.*$`, 'gm');

export function maskConfig(text: string): string {
  return text.replace(PROBED_LINE, '$1 = <masked: probed on the host>');
}

function settings(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const m of text.matchAll(/^(\w+)\s*=\s*('[^']*'|\S+)/gm)) map.set(m[1], m[2]);
  return map;
}

/** Host-probed settings whose values differ, e.g. "dynamic_shared_memory_type: sysv vs posix". */
export function probedSettingDifferences(a: string, b: string): string[] {
  const sa = settings(a);
  const sb = settings(b);
  return HOST_PROBED_SETTINGS.filter((k) => sa.get(k) !== sb.get(k)).map(
    (k) => `${k}: ${sa.get(k) ?? '(unset)'} vs ${sb.get(k) ?? '(unset)'}`,
  );
}

/** Zeroes pd_lsn and pd_checksum of every page (returns a copy). */
export function maskPages(buf: Buffer): Buffer {
  const copy = Buffer.from(buf);
  for (let at = 0; at + 10 <= copy.length; at += PAGE_SIZE) copy.fill(0, at, at + 10);
  return copy;
}

/** Why two versions of one file differ, or undefined when they match after masking. */
export function compareFile(path: string, a: Buffer, b: Buffer): string | undefined {
  const rule = fileRule(path);
  if (rule.kind === 'exclude') return undefined;
  if (rule.kind === 'config') {
    const ma = maskConfig(a.toString('utf8')).split('\n');
    const mb = maskConfig(b.toString('utf8')).split('\n');
    for (let i = 0; i < Math.max(ma.length, mb.length); i++) {
      if (ma[i] !== mb[i])
        return `line ${i + 1} differs: ${JSON.stringify(ma[i] ?? '')} vs ${JSON.stringify(mb[i] ?? '')}`;
    }
    return undefined;
  }
  if (a.length !== b.length) return `size ${a.length} vs ${b.length}`;
  if (rule.kind === 'bytes') {
    if (a.equals(b)) return undefined;
    let i = 0;
    while (a[i] === b[i]) i++;
    return `differs at byte ${i}`;
  }
  const ma = maskPages(a);
  const mb = maskPages(b);
  if (ma.equals(mb)) return undefined;
  const pages: number[] = [];
  let firstByte = -1;
  for (let at = 0; at < ma.length; at += PAGE_SIZE) {
    const pa = ma.subarray(at, at + PAGE_SIZE);
    const pb = mb.subarray(at, at + PAGE_SIZE);
    if (!pa.equals(pb)) {
      if (firstByte < 0) {
        let i = 0;
        while (pa[i] === pb[i]) i++;
        firstByte = i;
      }
      pages.push(at / PAGE_SIZE);
    }
  }
  const total = Math.ceil(ma.length / PAGE_SIZE);
  return `${pages.length} of ${total} pages differ after masking LSN and checksum (first: page ${pages[0]}, byte ${firstByte})`;
}

export interface ClusterDifference {
  path: string;
  detail: string;
}

/**
 * Compares two data directories given as path lists and a reader; `labelA`/`labelB` name the runs
 * in "only in ..." entries.
 */
export function compareClusters(
  pathsA: readonly string[],
  pathsB: readonly string[],
  read: (side: 'a' | 'b', path: string) => Buffer,
  labelA = 'first run',
  labelB = 'second run',
): { differences: ClusterDifference[]; compared: number; excluded: Array<{ path: string; reason: string }> } {
  const setB = new Set(pathsB);
  const differences: ClusterDifference[] = [];
  const excluded: Array<{ path: string; reason: string }> = [];
  let compared = 0;
  for (const path of [...pathsA].sort()) {
    const rule = fileRule(path);
    if (rule.kind === 'exclude') {
      excluded.push({ path, reason: rule.reason });
      setB.delete(path);
      continue;
    }
    if (!setB.has(path)) {
      differences.push({ path, detail: `only in ${labelA}` });
      continue;
    }
    setB.delete(path);
    compared++;
    const why = compareFile(path, read('a', path), read('b', path));
    if (why) differences.push({ path, detail: why });
  }
  for (const path of [...setB].sort()) {
    if (fileRule(path).kind !== 'exclude') differences.push({ path, detail: `only in ${labelB}` });
  }
  return { differences, compared, excluded };
}
