/** `pg-bundle fetch --pin-file <pin> --out <dir> [--arch <arch>]`: the pinned bundle into --out. */
import { CommandHandler, stringOption } from '../core/context';
import { githubAccess } from '../github/access';
import { deadlinesOption } from '../github/deadlines';
import { retryPolicy } from '../github/retry';
import { UserError } from '../util/errors';
import { fetchBundle } from './fetch';

export const fetchCommand: CommandHandler = async (options, ctx) => {
  const pinPath = stringOption(options, 'pinFile');
  if (!pinPath)
    throw new UserError('fetch needs a pin file', 'pass --pin-file <path to postgres-bundle.json>');
  const access = githubAccess(options, ctx);
  const result = await fetchBundle({
    pinPath,
    outDir: stringOption(options, 'out') ?? 'out',
    token: access.token,
    apiUrl: access.apiUrl,
    log: ctx.log,
    retry: retryPolicy(),
    deadlines: deadlinesOption(stringOption(options, 'timeout')),
    arch: stringOption(options, 'arch'),
  });
  ctx.setOutput('dir', result.dir);
  ctx.setOutput('tag', result.tag);
  ctx.setOutput('sha256', result.sha256);
  const versions = result.versions
    .map((m, i) => `v${m} (PostgreSQL ${result.postgresVersions[i]})`)
    .join(', ');
  await ctx.addSummary(
    `### pg-bundle fetch\n\nUnpacked \`${result.tag}\` (${result.platform}) into \`${result.dir}\`: ${versions}; sha256 \`${result.sha256}\`, checked against the pin and every file against its manifest.\n`,
  );
  return 0;
};
