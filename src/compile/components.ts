/**
 * The libraries linked into the static binaries, each with the Debian package (and its version)
 * it came from: what a CVE in a dependency is matched against (SBOM, `outdated`, pin-bump's Risk).
 */
import { readFileSync } from 'node:fs';
import { capture } from '../util/exec';
import type { Component } from '../core/manifest';

/** A Debian package installed on the build machine. */
export interface InstalledPackage {
  version: string;
  arch: string;
}

/** Debian's distro qualifier for package URLs, e.g. "debian-12" (from /etc/os-release). */
export interface DebianPackages {
  distro: string;
  installed: Map<string, InstalledPackage>;
}

/** What a version links in (pure): from the major version, the link libraries and the ICU choice. */
export interface LinkedInput {
  major: number;
  /** extra link libraries of the linked-in modules, e.g. ["-lseccomp"] */
  linkLibs: string[];
  /** ICU: the distribution's (libicu-dev) or one built from source */
  icu: { version: string; fromSource: boolean };
  /** gcc's major version: libstdc++-<n>-dev and libgcc-<n>-dev */
  gccMajor: string;
  /** a cross build's Debian architecture: gcc's libraries come from libstdc++-<n>-dev-<arch>-cross */
  crossDebian?: string;
}

/** Library name and Debian package of every library the static link pulls in (pure). */
export function linkedLibraries(input: LinkedInput): { name: string; debianPackage?: string }[] {
  const libs: { name: string; debianPackage?: string }[] = [
    { name: 'glibc', debianPackage: 'libc6-dev' },
    input.icu.fromSource ? { name: 'icu' } : { name: 'icu', debianPackage: 'libicu-dev' },
    // ICU is C++: libstdc++ and libgcc (libgcc.a, libgcc_eh.a) follow it on the link line
    { name: 'libstdc++', debianPackage: gccLibraryPackage('libstdc++', input) },
    { name: 'libgcc', debianPackage: gccLibraryPackage('libgcc', input) },
    { name: 'zlib', debianPackage: 'zlib1g-dev' },
    { name: 'lz4', debianPackage: 'liblz4-dev' },
  ];
  if (input.major >= 15) libs.push({ name: 'zstd', debianPackage: 'libzstd-dev' });
  if (input.linkLibs.includes('-lseccomp'))
    libs.push({ name: 'libseccomp', debianPackage: 'libseccomp-dev' });
  return libs;
}

/** The package of gcc's own static libraries (pure): the cross toolchain's for a cross build. */
function gccLibraryPackage(
  lib: 'libstdc++' | 'libgcc',
  input: Pick<LinkedInput, 'gccMajor' | 'crossDebian'>,
) {
  return `${lib}-${input.gccMajor}-dev${input.crossDebian ? `-${input.crossDebian}-cross` : ''}`;
}

/** The upstream version inside a Debian version (pure): "1:1.2.13.dfsg-1" -> "1.2.13", "1.5.4+dfsg2-5" -> "1.5.4". */
export function upstreamVersion(debianVersion: string): string {
  const noEpoch = debianVersion.replace(/^\d+:/, '');
  const dash = noEpoch.lastIndexOf('-');
  const upstream = dash > 0 ? noEpoch.slice(0, dash) : noEpoch;
  return upstream.replace(/[.+~](dfsg|ds|repack)\d*.*$/, '');
}

/** Package URL of a Debian binary package (pure; the epoch's ':' is percent-encoded as purl requires). */
export function debianPurl(pkg: string, debianVersion: string, arch: string, distro: string): string {
  return `pkg:deb/debian/${pkg}@${encodeURIComponent(debianVersion)}?arch=${arch}&distro=${distro}`;
}

/** The manifest's `components` (pure). A library whose package is not installed is an error. */
export function componentsFor(input: LinkedInput, packages: DebianPackages): Component[] {
  return linkedLibraries(input).map((lib) => {
    if (!lib.debianPackage)
      return {
        name: lib.name,
        version: input.icu.version,
        purl: `pkg:generic/${lib.name}@${encodeURIComponent(input.icu.version)}`,
      };
    const installed = packages.installed.get(lib.debianPackage);
    if (!installed)
      throw new Error(
        `${lib.name} is linked in, but its Debian package ${lib.debianPackage} is not installed`,
      );
    return {
      name: lib.name,
      version: upstreamVersion(installed.version),
      debianPackage: lib.debianPackage,
      debianVersion: installed.version,
      purl: debianPurl(lib.debianPackage, installed.version, installed.arch, packages.distro),
    };
  });
}

/** Every package a bundle can link from, for this gcc (and a cross build's architecture). */
export function componentPackages(gccMajor: string, crossDebian?: string): string[] {
  const input = { gccMajor, crossDebian };
  return [
    'libc6-dev',
    'libicu-dev',
    gccLibraryPackage('libstdc++', input),
    gccLibraryPackage('libgcc', input),
    'zlib1g-dev',
    'liblz4-dev',
    'libzstd-dev',
    'libseccomp-dev',
  ];
}

/**
 * `dpkg-query -W` output ("pkg\tversion\tarch" lines) as a map (pure). A machine with a foreign
 * architecture has a multiarch package once per architecture: only `arch`'s (or an arch-all
 * package) counts.
 */
export function parseDpkgQuery(text: string, arch?: string): Map<string, InstalledPackage> {
  const installed = new Map<string, InstalledPackage>();
  for (const line of text.split('\n')) {
    const [pkg, version, pkgArch] = line.trim().split('\t');
    if (!pkg || !version || !pkgArch) continue;
    if (arch === undefined || pkgArch === arch || pkgArch === 'all')
      installed.set(pkg, { version, arch: pkgArch });
  }
  return installed;
}

/** "debian-12" from /etc/os-release text (pure). */
export function distroQualifier(osRelease: string): string {
  const field = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(osRelease)?.[1];
  return `${field('ID') ?? 'debian'}-${field('VERSION_ID') ?? 'unknown'}`;
}

export async function gccMajorVersion(cc = 'gcc'): Promise<string> {
  return (await capture(cc, ['-dumpversion'])).trim().split('.')[0];
}

/**
 * The installed versions of the packages a bundle for Debian architecture `arch` links from
 * (dpkg-query); `crossDebian` for a cross build.
 */
export async function installedDebianPackages(
  gccMajor: string,
  arch: string,
  crossDebian?: string,
): Promise<DebianPackages> {
  const lines: string[] = [];
  for (const pkg of componentPackages(gccMajor, crossDebian)) {
    // one query per package: dpkg-query fails for a package that is not installed
    const line = await capture('dpkg-query', [
      '-W',
      '-f=${Package}\t${Version}\t${Architecture}\n',
      pkg,
    ]).catch(() => '');
    lines.push(line);
  }
  let osRelease = '';
  try {
    osRelease = readFileSync('/etc/os-release', 'utf8');
  } catch {
    // not a Linux distribution with os-release
  }
  return { distro: distroQualifier(osRelease), installed: parseDpkgQuery(lines.join('\n'), arch) };
}
