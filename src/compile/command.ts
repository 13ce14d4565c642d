import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { boolOption, CommandHandler, listOption, stringOption } from '../core/context';
import { defaultCacheDir } from '../source/cache';
import { parseVersions, sourcesForVersions } from '../source/spec';
import { UserError } from '../util/errors';
import { buildBundles } from './build';
import { archOption } from '../core/platform';
import { parseLinkage } from './dynamic';
import { parseLocaleList } from './locales';
import { WalRedoMode } from './types';

export function parseJobs(text: string | undefined): number {
  if (text === undefined) return availableParallelism();
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError(`--jobs '${text}' is not a positive whole number`, 'pass e.g. --jobs 2');
  return n;
}

/** `pg-bundle build`: one static bundle per requested version under <out>/vNN, and <out>/manifest.json. */
export const buildCommand: CommandHandler = async (options, ctx) => {
  const versions = parseVersions(stringOption(options, 'pg') ?? '15');
  const sources = sourcesForVersions(versions, listOption(options, 'source'), listOption(options, 'sha256'));
  const out = resolve(stringOption(options, 'out') ?? 'out');
  const manifest = await buildBundles({
    versions,
    sources,
    out,
    cacheDir: stringOption(options, 'cacheDir') ?? defaultCacheDir(),
    modules: listOption(options, 'module').map((m) => resolve(m)),
    icuSource: stringOption(options, 'icuSource'),
    icuSha256: stringOption(options, 'icuSha256'),
    walredo: stringOption(options, 'walredo') as WalRedoMode | undefined,
    walredoPreload: stringOption(options, 'walredoPreload'),
    linkage: parseLinkage(stringOption(options, 'linkage')),
    locales: parseLocaleList(stringOption(options, 'locales') ?? 'C.UTF-8'),
    keepDebug: boolOption(options, 'keepDebug'),
    installDeps: boolOption(options, 'installDeps'),
    jobs: parseJobs(stringOption(options, 'jobs')),
    log: ctx.log,
    platform: archOption(stringOption(options, 'arch')),
  });
  ctx.setOutput('bundle-path', out);
  ctx.setOutput('manifest-path', join(out, 'manifest.json'));
  const rows = Object.entries(manifest.versions).map(
    ([v, m]) =>
      `| v${v} | ${m.postgres.version} | ${m.icu.version} | ${m.toolchain.glibc} | ${m.modules.map((x) => x.name).join(', ')} | ${m.walredo.mode} | ${m.buildDurationSeconds} s |`,
  );
  await ctx.addSummary(
    [
      '### pg-bundle build',
      '',
      '| version | PostgreSQL | ICU | glibc | linked-in modules | walredo | build time |',
      '|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
  return 0;
};
