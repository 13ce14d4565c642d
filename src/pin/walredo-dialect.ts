/**
 * The WAL dialect of a pinned bundle's walredo (pure): what the pin records per version, what a
 * consumer may require of it (`requires.walredo` in the pin file, written by the storage team), and
 * the differences between two pins or between a requirement and a bundle, in words.
 */
import { RmgrSet, VersionManifest } from '../core/manifest';

export interface PinnedWalRedo {
  mode: 'builtin' | 'fork' | 'none';
  /** linked-in modules walredo loads */
  modules: string[];
  /** resource managers the binary replays, as verify measured them; null = not measured */
  rmgrs: RmgrSet | null;
}

/** What the storage service needs from walredo: e.g. `{ "mode": "fork", "customRmgrs": [134] }`. */
export interface WalRedoRequirement {
  mode?: 'builtin' | 'fork';
  modules?: string[];
  customRmgrs?: number[];
}

/** A manifest's walredo record as the pin keeps it; fields of another shape read as absent (a manifest may be hostile). */
export function pinnedWalRedo(v: Pick<VersionManifest, 'walredo'>): PinnedWalRedo {
  const { mode, modules, rmgrs } = v.walredo;
  const ids = (x: unknown) =>
    Array.isArray(x) && x.every((n) => Number.isInteger(n)) ? (x as number[]) : undefined;
  const builtin = ids(rmgrs?.builtin);
  const custom = ids(rmgrs?.custom);
  return {
    mode,
    modules: Array.isArray(modules) ? modules.filter((m): m is string => typeof m === 'string') : [],
    rmgrs: builtin && custom ? { builtin, custom } : null,
  };
}

const list = (items: readonly (string | number)[]) => (items.length ? items.join(', ') : 'none');

/** How one version's walredo falls short of the requirement, one sentence each (empty: it provides it). */
export function unmetWalRedoRequirement(
  major: string,
  walredo: PinnedWalRedo | undefined,
  required: WalRedoRequirement,
): string[] {
  const problems: string[] = [];
  const w = walredo ?? { mode: 'none' as const, modules: [], rmgrs: null };
  if (required.mode && w.mode !== required.mode)
    problems.push(`v${major}: walredo mode is ${w.mode}, the pin requires ${required.mode}`);
  for (const m of required.modules ?? [])
    if (!w.modules.includes(m))
      problems.push(`v${major}: walredo does not load module ${m} (it loads ${list(w.modules)})`);
  const custom = w.rmgrs?.custom;
  for (const id of required.customRmgrs ?? []) {
    if (!custom)
      problems.push(
        `v${major}: custom resource manager ${id} is required, but verify did not measure which ones walredo replays`,
      );
    else if (!custom.includes(id))
      problems.push(
        `v${major}: walredo does not replay custom resource manager ${id} (it replays ${list(custom)})`,
      );
  }
  return problems;
}

/** Every version's shortfalls against the requirement (pure). */
export function unmetRequirements(
  versions: Record<string, { walredo?: PinnedWalRedo }>,
  required: WalRedoRequirement | undefined,
): string[] {
  if (!required) return [];
  return Object.keys(versions)
    .sort((a, b) => Number(a) - Number(b))
    .flatMap((major) => unmetWalRedoRequirement(major, versions[major].walredo, required));
}

/** The walredo differences of one version between two pins, as (what, old, new) rows. */
export function walRedoChanges(
  a: PinnedWalRedo | undefined,
  b: PinnedWalRedo | undefined,
): { what: string; old: string; new: string }[] {
  if (!a || !b)
    return a === b
      ? []
      : [{ what: 'walredo dialect', old: a ? a.mode : 'not recorded', new: b ? b.mode : 'not recorded' }];
  const rows: { what: string; old: string; new: string }[] = [];
  if (a.mode !== b.mode) rows.push({ what: 'walredo mode', old: a.mode, new: b.mode });
  if (list(a.modules) !== list(b.modules))
    rows.push({ what: 'walredo modules', old: list(a.modules), new: list(b.modules) });
  const ids = (r: RmgrSet | null, kind: keyof RmgrSet) => (r ? list(r[kind]) : 'not measured');
  for (const kind of ['builtin', 'custom'] as const)
    if (ids(a.rmgrs, kind) !== ids(b.rmgrs, kind))
      rows.push({
        what: `${kind} resource managers walredo replays`,
        old: ids(a.rmgrs, kind),
        new: ids(b.rmgrs, kind),
      });
  return rows;
}
