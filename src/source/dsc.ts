/** Parser for Debian source control (.dsc) files: just the fields pg-bundle needs. */

export interface DscFile {
  name: string;
  size: number;
  sha256: string;
}

export interface Dsc {
  source: string;
  version: string;
  files: DscFile[];
}

/** Parses a .dsc (optionally PGP-signed) into its Source, Version and Checksums-Sha256 entries. */
export function parseDsc(text: string): Dsc {
  const body = stripSignature(text);
  const field = (name: string): string | undefined => {
    const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'm').exec(body);
    return m ? m[1].trim() : undefined;
  };
  const source = field('Source');
  const version = field('Version');
  if (!source || !version) throw new Error('not a Debian .dsc file: Source or Version missing');
  const files: DscFile[] = [];
  const block = /^Checksums-Sha256:[ \t]*\n((?:[ \t]+.*\n?)*)/m.exec(body);
  if (block) {
    for (const line of block[1].split('\n')) {
      const parts = line.trim().split(/\s+/);
      if (parts.length === 3) files.push({ sha256: parts[0], size: Number(parts[1]), name: parts[2] });
    }
  }
  return { source, version, files };
}

function stripSignature(text: string): string {
  if (!text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return text;
  const start = text.indexOf('\n\n');
  const end = text.indexOf('-----BEGIN PGP SIGNATURE-----');
  return text.slice(start + 2, end === -1 ? undefined : end);
}

/** The upstream tarball of a source package (`*.orig.tar.*`; for native packages the only tarball). */
export function upstreamTarball(dsc: Dsc): DscFile | undefined {
  return (
    dsc.files.find((f) => /\.orig\.tar\.[a-z0-9]+$/.test(f.name)) ??
    dsc.files.find((f) => /\.tar\.[a-z0-9]+$/.test(f.name) && !/\.debian\.tar/.test(f.name))
  );
}

export const DEBIAN_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';

/**
 * apt source lines for a private sources.list: deb-src for each suite, checked against Debian's
 * archive keyring when given (needed on non-Debian hosts such as Ubuntu runners).
 */
export function debSrcList(mirror: string, suites: string[], keyring?: string): string {
  const opts = keyring ? ` [signed-by=${keyring}]` : '';
  return suites.map((s) => `deb-src${opts} ${mirror} ${s} main`).join('\n') + '\n';
}
