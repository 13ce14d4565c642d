/** The release description: a readable Markdown summary of the bundle (pure). */
import { Manifest, VersionManifest } from '../core/manifest';
import { humanSize } from '../util/size';

export interface BodyAsset {
  name: string;
  size: number;
  sha256: string;
}

export function conformanceTotals(
  v: VersionManifest,
): { pass: number; fail: number; skip: number } | undefined {
  const checks = v.conformance?.checks;
  if (!checks) return undefined;
  return {
    pass: checks.filter((c) => c.status === 'pass').length,
    fail: checks.filter((c) => c.status === 'fail').length,
    skip: checks.filter((c) => c.status === 'skip').length,
  };
}

function cell(value: string | number | undefined | null): string {
  if (value === undefined || value === null || value === '') return '—';
  return String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

interface Totals {
  pass: number;
  fail: number;
  skip: number;
  unverified: number;
}

const TABLE_HEAD = [
  '| Major | PostgreSQL | Source revision | Linkage | ICU | glibc | Collation (datcollate / provider) | walredo | Conformance |',
  '|---|---|---|---|---|---|---|---|---|',
];

/** One row per major of a platform's manifest; adds its checks to `totals`. */
function versionRows(manifest: Manifest, totals: Totals): string[] {
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  return majors.map((m) => {
    const v = manifest.versions[m];
    const counted = conformanceTotals(v);
    if (counted) {
      totals.pass += counted.pass;
      totals.fail += counted.fail;
      totals.skip += counted.skip;
    } else totals.unverified++;
    const coll = v.conformance?.collation;
    const icu = coll?.icuVersion ?? v.icu.version;
    const icuText = coll?.icuCollationVersion ? `${icu} (collation ${coll.icuCollationVersion})` : icu;
    const glibc =
      coll?.libcCollationVersion && coll.libcCollationVersion !== v.toolchain.glibc
        ? `${v.toolchain.glibc} (collation ${coll.libcCollationVersion})`
        : v.toolchain.glibc;
    const collation = coll?.datcollate ? `${coll.datcollate} / ${coll.datlocprovider ?? '?'}` : undefined;
    const conf = counted
      ? `${counted.pass} pass, ${counted.fail} fail, ${counted.skip} skip`
      : 'not verified';
    return `| ${cell(m)} | ${cell(v.postgres.version)} | ${cell(v.source.revision)} | ${cell(v.linkage)} | ${cell(icuText)} | ${cell(glibc)} | ${cell(collation)} | ${cell(v.walredo.mode)} | ${cell(conf)} |`;
  });
}

/** The release description of one platform's manifest, or of several (one bundle per platform). */
export function renderReleaseBody(
  manifests: Manifest | Manifest[],
  tag: string,
  assets: BodyAsset[],
): string {
  const all = Array.isArray(manifests) ? manifests : [manifests];
  const { tool } = all[0];
  const lines: string[] = [];
  lines.push(`## pg-bundle ${tag}`, '');
  const platforms = all.map((m) => m.platform);
  const forWhat =
    all.length === 1
      ? platforms[0]
      : `${platforms.join(' and ')} (one \`pg-bundle-${tag}-<platform>.tar.zst\` each; \`manifest-<platform>.json\` describes each, \`manifest.json\` is ${platforms[0]}'s)`;
  lines.push(
    `Self-contained PostgreSQL (\`initdb\`, \`postgres --wal-redo\`) for ${forWhat}, built by ${tool.name} ${tool.version}. Unpack into a \`pg_distrib_dir\`: each major version is a \`vNN/\` directory.`,
    '',
  );
  const totals: Totals = { pass: 0, fail: 0, skip: 0, unverified: 0 };
  for (const m of all) {
    if (all.length > 1) lines.push(`### ${m.platform}`, '');
    lines.push(...TABLE_HEAD, ...versionRows(m, totals), '');
  }
  const { pass, fail, skip, unverified } = totals;
  const verdict =
    fail > 0
      ? '**some checks failed**'
      : unverified > 0
        ? `${unverified} version(s) not verified`
        : 'all checks passed';
  const where = all.length === 1 ? '`manifest.json`' : "each platform's manifest";
  lines.push(
    `**Conformance:** ${pass} passed, ${fail} failed, ${skip} skipped — ${verdict}. Details per check are in ${where}.`,
    '',
  );
  lines.push('### Assets', '', '| Asset | Size | sha256 |', '|---|---|---|');
  for (const a of assets) lines.push(`| \`${a.name}\` | ${humanSize(a.size)} | \`${a.sha256}\` |`);
  lines.push('');
  lines.push(
    'Check downloads with `sha256sum -c SHA256SUMS`, or let the consumer fetch and verify them: `pg-bundle fetch --pin-file <pin-file> --out <pg_distrib_dir>`' +
      (all.length > 1 ? " (it takes the machine's platform, or `--arch`)." : '.'),
  );
  return lines.join('\n') + '\n';
}
