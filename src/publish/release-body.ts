/** The release description: a readable Markdown summary of the bundle (pure). */
import { Manifest, VersionManifest } from '../core/manifest';

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

export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

export function renderReleaseBody(manifest: Manifest, tag: string, assets: BodyAsset[]): string {
  const majors = Object.keys(manifest.versions).sort((a, b) => Number(a) - Number(b));
  const lines: string[] = [];
  lines.push(`## pg-bundle ${tag}`, '');
  lines.push(
    `Self-contained PostgreSQL (\`initdb\`, \`postgres --wal-redo\`) for ${manifest.platform}, built by ${manifest.tool.name} ${manifest.tool.version}. Unpack into a \`pg_distrib_dir\`: each major version is a \`vNN/\` directory.`,
    '',
  );
  lines.push(
    '| Major | PostgreSQL | Source revision | Linkage | ICU | glibc | Collation (datcollate / provider) | walredo | Conformance |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  let pass = 0;
  let fail = 0;
  let skip = 0;
  let unverified = 0;
  for (const m of majors) {
    const v = manifest.versions[m];
    const totals = conformanceTotals(v);
    if (totals) {
      pass += totals.pass;
      fail += totals.fail;
      skip += totals.skip;
    } else unverified++;
    const coll = v.conformance?.collation;
    const icu = coll?.icuVersion ?? v.icu.version;
    const icuText = coll?.icuCollationVersion ? `${icu} (collation ${coll.icuCollationVersion})` : icu;
    const glibc =
      coll?.libcCollationVersion && coll.libcCollationVersion !== v.toolchain.glibc
        ? `${v.toolchain.glibc} (collation ${coll.libcCollationVersion})`
        : v.toolchain.glibc;
    const collation = coll?.datcollate ? `${coll.datcollate} / ${coll.datlocprovider ?? '?'}` : undefined;
    const conf = totals ? `${totals.pass} pass, ${totals.fail} fail, ${totals.skip} skip` : 'not verified';
    lines.push(
      `| ${cell(m)} | ${cell(v.postgres.version)} | ${cell(v.source.revision)} | ${cell(v.linkage)} | ${cell(icuText)} | ${cell(glibc)} | ${cell(collation)} | ${cell(v.walredo.mode)} | ${cell(conf)} |`,
    );
  }
  lines.push('');
  const verdict =
    fail > 0
      ? '**some checks failed**'
      : unverified > 0
        ? `${unverified} version(s) not verified`
        : 'all checks passed';
  lines.push(
    `**Conformance:** ${pass} passed, ${fail} failed, ${skip} skipped — ${verdict}. Details per check are in \`manifest.json\`.`,
    '',
  );
  lines.push('### Assets', '', '| Asset | Size | sha256 |', '|---|---|---|');
  for (const a of assets) lines.push(`| \`${a.name}\` | ${humanSize(a.size)} | \`${a.sha256}\` |`);
  lines.push('');
  lines.push(
    'Check downloads with `sha256sum -c SHA256SUMS`, or let the consumer fetch and verify them: `pg-bundle fetch --pin-file <pin-file> --out <pg_distrib_dir>`.',
  );
  return lines.join('\n') + '\n';
}
