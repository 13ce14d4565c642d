/**
 * The release's SBOM (CycloneDX 1.5 JSON, written with @cyclonedx/cyclonedx-library): the bundle as
 * the described component; PostgreSQL per version (with the source tarball's sha256) and every
 * library linked into the static binaries, with package URLs. Deterministic for the same manifest
 * (no timestamp unless SOURCE_DATE_EPOCH is set), so a re-run of publish uploads the same bytes.
 */
import { Enums, Models, Serialize, Spec } from '@cyclonedx/cyclonedx-library';
import { Manifest, VersionManifest } from '../core/manifest';

export const SBOM_ASSET = 'sbom.cdx.json';

function postgresComponent(major: string, v: VersionManifest): Models.Component {
  const component = new Models.Component(Enums.ComponentType.Library, 'postgresql', {
    bomRef: `postgresql-${major}`,
    version: v.postgres.version,
    purl: `pkg:generic/postgresql@${encodeURIComponent(v.postgres.version)}`,
    description: `PostgreSQL ${v.postgres.version} from ${v.source.spec} (revision ${v.source.revision})`,
  });
  if (v.source.tarballSha256) component.hashes.set(Enums.HashAlgorithm['SHA-256'], v.source.tarballSha256);
  return component;
}

/**
 * The SBOM document (pure apart from SOURCE_DATE_EPOCH) of a release of one or several platforms:
 * PostgreSQL once per major (the platforms share its source), each platform's libraries by their
 * package URL (which names the architecture).
 */
export function renderSbom(manifests: Manifest | Manifest[], tag: string): string {
  const all = Array.isArray(manifests) ? manifests : [manifests];
  const bom = new Models.Bom();
  bom.metadata.component = new Models.Component(Enums.ComponentType.Application, 'pg-bundle', {
    bomRef: 'bundle',
    version: tag,
    description: `static PostgreSQL bundle ${tag} (${all.map((m) => m.platform).join(', ')})`,
  });
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d+$/.test(epoch)) bom.metadata.timestamp = new Date(Number(epoch) * 1000);
  const seen = new Set<string>();
  const versions = all.flatMap((m) => Object.entries(m.versions));
  for (const [major, v] of versions) {
    if (!seen.has(`postgresql-${major}`)) bom.components.add(postgresComponent(major, v));
    seen.add(`postgresql-${major}`);
    for (const c of v.components ?? []) {
      if (seen.has(c.purl)) continue; // one entry per package across versions
      seen.add(c.purl);
      bom.components.add(
        new Models.Component(Enums.ComponentType.Library, c.debianPackage ?? c.name, {
          bomRef: c.purl,
          version: c.debianVersion ?? c.version,
          purl: c.purl,
          description: `${c.name} ${c.version}, linked into the static binaries`,
        }),
      );
    }
  }
  const serializer = new Serialize.JsonSerializer(new Serialize.JSON.Normalize.Factory(Spec.Spec1dot5));
  return serializer.serialize(bom, { sortLists: true, space: 2 }) + '\n';
}
