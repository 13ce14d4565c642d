import { SUPPORTED_MAJORS } from '../core/majors';
import { UserError } from '../util/errors';
import { isSha256Hex } from '../util/hash';

/** Where one major version's PostgreSQL source comes from. */
export type SourceSpec =
  | { kind: 'dir'; path: string }
  | { kind: 'tarball'; location: string; sha256: string }
  | { kind: 'debian'; package: string; version?: string };

export const SOURCE_FORMS =
  "'dir:<path>', 'tarball:<url-or-path>' (with --sha256) or 'debian:<package>[=<version>]'";

/** Replaces `{v}` in a source template with the major version. */
export function expandTemplate(template: string, major: number): string {
  return template.replace(/\{v\}/g, String(major));
}

/**
 * Parses one source argument. `sha256` is required for tarballs (and rejected otherwise, so a
 * checksum is never silently ignored).
 */
export function parseSourceSpec(text: string, sha256?: string): SourceSpec {
  const colon = text.indexOf(':');
  const kind = colon > 0 ? text.slice(0, colon) : '';
  const rest = colon > 0 ? text.slice(colon + 1) : '';
  switch (kind) {
    case 'dir':
      if (!rest) throw new UserError(`source '${text}' has no path`, "write it as 'dir:<path>'");
      if (sha256)
        throw new UserError(
          `--sha256 was given for a directory source ('${text}')`,
          'drop --sha256; it applies to tarballs only',
        );
      return { kind: 'dir', path: rest };
    case 'tarball': {
      if (!rest)
        throw new UserError(`source '${text}' has no location`, "write it as 'tarball:<url-or-path>'");
      if (!sha256) {
        throw new UserError(
          `tarball source '${rest}' needs a checksum`,
          'pass --sha256 <64 hex digits> (one per version, in the order of --pg)',
        );
      }
      const normalised = sha256.toLowerCase();
      if (!isSha256Hex(normalised)) {
        throw new UserError(
          `--sha256 '${sha256}' is not a sha256 checksum`,
          'give the 64 hexadecimal digits of the tarball',
        );
      }
      return { kind: 'tarball', location: rest, sha256: normalised };
    }
    case 'debian': {
      const [pkg, version, extra] = rest.split('=');
      if (!pkg || extra !== undefined || version === '') {
        throw new UserError(
          `source '${text}' is not a Debian source package`,
          "write it as 'debian:<package>[=<version>]'",
        );
      }
      if (!/^[a-z0-9][a-z0-9+.-]+$/.test(pkg)) {
        throw new UserError(
          `'${pkg}' is not a valid Debian package name`,
          'use lower-case letters, digits, + . -',
        );
      }
      if (sha256)
        throw new UserError(
          `--sha256 was given for a Debian source ('${text}')`,
          'drop --sha256: apt checks Debian sources against the signed index',
        );
      return version ? { kind: 'debian', package: pkg, version } : { kind: 'debian', package: pkg };
    }
    default:
      throw new UserError(`source '${text}' has no known kind`, `use ${SOURCE_FORMS}`);
  }
}

/**
 * Resolves the `--source` and `--sha256` arguments into one spec per requested major version.
 * Either one source per version (in order) or a single template containing `{v}`.
 */
export function sourcesForVersions(
  versions: number[],
  sources: string[],
  sha256s: string[] = [],
): Map<number, SourceSpec> {
  if (sources.length === 0) {
    throw new UserError(
      'no --source given',
      `pass one per version or a template with {v}, e.g. --source 'debian:postgresql-{v}'`,
    );
  }
  let texts: string[];
  if (sources.length === 1) {
    const only = sources[0];
    if (versions.length > 1 && !only.includes('{v}')) {
      throw new UserError(
        `one --source '${only}' was given for ${versions.length} versions`,
        `use a template with {v} (e.g. 'debian:postgresql-{v}') or give one --source per version`,
      );
    }
    texts = versions.map((v) => expandTemplate(only, v));
  } else if (sources.length === versions.length) {
    texts = sources.map((s, i) => expandTemplate(s, versions[i]));
  } else {
    throw new UserError(
      `${sources.length} sources were given for ${versions.length} versions (${versions.join(', ')})`,
      'give one --source per version, in the order of --pg, or one template with {v}',
    );
  }
  // Checksums belong to the tarball sources, in order.
  const tarballs = texts.filter((t) => t.startsWith('tarball:')).length;
  if (sha256s.length !== tarballs && sha256s.length > 0) {
    throw new UserError(
      `${sha256s.length} --sha256 values were given for ${tarballs} tarball source(s)`,
      'give one --sha256 per tarball source, in the order of --pg',
    );
  }
  const result = new Map<number, SourceSpec>();
  let next = 0;
  versions.forEach((v, i) => {
    const sha = texts[i].startsWith('tarball:') ? sha256s[next++] : undefined;
    result.set(v, parseSourceSpec(texts[i], sha));
  });
  return result;
}

/** Parses `--pg 15,18` (also accepts `v15`). */
export function parseVersions(text: string): number[] {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0)
    throw new UserError('no PostgreSQL major version given', 'pass e.g. --pg 15 or --pg 15,18');
  const versions = parts.map((p) => {
    const m = /^v?(\d+)$/.exec(p);
    const n = m ? Number(m[1]) : NaN;
    if (!SUPPORTED_MAJORS.includes(n)) {
      throw new UserError(
        `'${p}' is not a supported PostgreSQL major version`,
        `use one of ${SUPPORTED_MAJORS.join(', ')}`,
      );
    }
    return n;
  });
  const dup = versions.find((v, i) => versions.indexOf(v) !== i);
  if (dup !== undefined)
    throw new UserError(`version ${dup} is listed twice`, 'list each major version once');
  return versions;
}
