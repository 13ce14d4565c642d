/**
 * `pg-bundle outdated`: would a rebuild now pick up something newer than what a bundle records?
 * Linked-in libraries against this machine's apt candidates (security updates included when its
 * apt lists include bookworm-security), PostgreSQL against the newest version its source kind can
 * tell (Debian sources: the private deb-src index; tarballs and directories cannot tell).
 */
import { Component, Manifest } from '../core/manifest';
import { compareDebianVersions } from '../source/debian-version';

/** The `Candidate:` of `apt-cache policy <pkg>` output (pure); undefined for "(none)" or no output. */
export function parseAptPolicyCandidate(text: string): string | undefined {
  const m = /^\s*Candidate:\s*(\S+)/m.exec(text);
  return m && m[1] !== '(none)' ? m[1] : undefined;
}

export interface Change {
  /** "v15" */
  version: string;
  what: string;
  old: string;
  new: string;
}

export interface OutdatedReport {
  changes: Change[];
  /** what could not be checked, and why */
  unknown: string[];
}

/** What this machine and the sources offer now. */
export interface Available {
  /** Debian package → the version apt would install */
  packages: Map<string, string>;
  /** "v15" → the newest Debian version of a debian: source, or a reason it cannot tell */
  postgres: Map<string, { newest: string } | { cannotTell: string }>;
}

function componentChange(
  v: string,
  c: Component,
  available: Map<string, string>,
): Change | string | undefined {
  if (!c.debianPackage || !c.debianVersion)
    return `${v}: ${c.name} ${c.version} was not taken from a Debian package`;
  const now = available.get(c.debianPackage);
  if (!now) return `${v}: ${c.debianPackage}: apt offers no candidate on this machine`;
  if (compareDebianVersions(now, c.debianVersion) > 0)
    return { version: v, what: `${c.name} (${c.debianPackage})`, old: c.debianVersion, new: now };
  return undefined;
}

/** Recorded versus available (pure). */
export function compareWithAvailable(manifest: Manifest, available: Available): OutdatedReport {
  const changes: Change[] = [];
  const unknown: string[] = [];
  for (const [major, entry] of Object.entries(manifest.versions)) {
    const v = `v${major}`;
    const pg = available.postgres.get(v);
    if (!pg) unknown.push(`${v}: PostgreSQL ${entry.postgres.version}: not checked`);
    else if ('cannotTell' in pg) unknown.push(`${v}: PostgreSQL ${entry.postgres.version}: ${pg.cannotTell}`);
    else {
      const recorded = /=(.+)$/.exec(entry.source.revision)?.[1] ?? entry.postgres.version;
      if (compareDebianVersions(pg.newest, recorded) > 0)
        changes.push({
          version: v,
          what: `PostgreSQL (${entry.source.spec})`,
          old: recorded,
          new: pg.newest,
        });
    }
    if (!entry.components) {
      unknown.push(`${v}: the manifest records no components (built before they were recorded): rebuild it`);
      continue;
    }
    for (const c of entry.components) {
      const result = componentChange(v, c, available.packages);
      if (typeof result === 'string') unknown.push(result);
      else if (result) changes.push(result);
    }
  }
  return { changes, unknown };
}

/** The report as text lines (pure). */
export function renderOutdated(report: OutdatedReport): string[] {
  const lines =
    report.changes.length === 0
      ? ['nothing newer: a rebuild now would pick up the same versions']
      : [`a rebuild would pick up ${report.changes.length} newer version(s):`];
  for (const c of report.changes) lines.push(`  ${c.version}: ${c.what}: ${c.old} → ${c.new}`);
  if (report.unknown.length > 0) lines.push('not comparable:', ...report.unknown.map((u) => `  ${u}`));
  return lines;
}
