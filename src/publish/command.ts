/**
 * `pg-bundle publish [artifact-dir...]` and `pg-bundle fetch --pin-file <pin> --out <dir>`.
 *
 * publish: packs the bundle (from --out, or from the artifact directories given as arguments, one
 * per matrix job) into the release's assets under <out>/publish/, then, unless --dry-run or no
 * token, publishes them as a GitHub Release idempotently (see release.ts). It also writes
 * <out>/publish/release.json (tag, repository, asset name, sha256, URLs) for pin-bump.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boolOption, CommandContext, CommandHandler, listOption, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { UserError } from '../util/errors';
import { assemblePublishInput, findArtifactDirs } from './artifacts';
import { fetchBundle } from './fetch';
import { createGitHubClient, explainGitHubError, RetryPolicy } from './github-client';
import { defaultTag, releaseDate, validateTag } from './naming';
import { prepareRelease } from './prepare';
import { publishRelease } from './release';

export interface PublishRecord {
  tag: string;
  repository: string | null;
  assetName: string;
  sha256: string;
  assets: { name: string; sha256: string; size: number }[];
  dryRun: boolean;
  state?: string;
  releaseUrl?: string;
  assetUrl?: string;
  manifestUrl?: string;
}

function tokenFrom(options: RawOptions, ctx: CommandContext): string | undefined {
  const token = stringOption(options, 'token') ?? (process.env.GITHUB_TOKEN || undefined);
  if (token) ctx.setSecret(token);
  return token;
}

function parseRepository(value: string): { owner: string; repo: string } {
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value);
  if (!m)
    throw new UserError(
      `--repository ${value} is not owner/name`,
      'pass --repository <owner>/<name> of the release repository',
    );
  return { owner: m[1], repo: m[2] };
}

/** Retry tuning for tests (PG_BUNDLE_RETRY_BASE_MS); production uses the defaults. */
function retryFromEnv(): Partial<RetryPolicy> {
  const base = process.env.PG_BUNDLE_RETRY_BASE_MS;
  return base && /^\d+$/.test(base) ? { baseDelayMs: Number(base) } : {};
}

export const publishCommand: CommandHandler = async (options, ctx) => {
  const out = stringOption(options, 'out') ?? 'out';
  const sources = ctx.args.length ? ctx.args.flatMap((a) => findArtifactDirs(a)) : [out];
  if (sources.length === 0)
    throw new UserError(
      `no manifest.json found in ${ctx.args.join(', ')}`,
      'pass the directories downloaded from the build jobs (each with manifest.json and vNN/)',
    );
  const input = assemblePublishInput(sources);
  const tag = validateTag(stringOption(options, 'tag') ?? defaultTag(input.manifest, releaseDate()));
  const token = tokenFrom(options, ctx);
  const repository = stringOption(options, 'repository') ?? (process.env.GITHUB_REPOSITORY || undefined);
  const dryRun = boolOption(options, 'dryRun') || !token;
  if (!dryRun && !repository)
    throw new UserError(
      'publish needs the release repository',
      'pass --repository <owner>/<name> (in a workflow GITHUB_REPOSITORY is used)',
    );

  const prepared = await prepareRelease(input, tag, out, ctx.log);
  const tarball = prepared.assets[0];
  const record: PublishRecord = {
    tag,
    repository: repository ?? null,
    assetName: tarball.name,
    sha256: tarball.sha256,
    assets: prepared.assets.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size })),
    dryRun,
  };
  const writeRecord = () =>
    writeFileSync(join(prepared.dir, 'release.json'), JSON.stringify(record, null, 2) + '\n');
  ctx.setOutput('tag', tag);
  ctx.setOutput('sha256', tarball.sha256);
  ctx.setOutput('asset-path', tarball.path);

  if (dryRun) {
    writeRecord();
    const why = boolOption(options, 'dryRun') ? '--dry-run' : 'no token (--token or GITHUB_TOKEN)';
    ctx.log.info(
      `dry run (${why}): nothing was sent to GitHub. Would publish ${tag}${repository ? ` to ${repository}` : ''}:`,
    );
    for (const a of prepared.assets) ctx.log.info(`  ${a.name}  ${a.size} bytes  sha256 ${a.sha256}`);
    ctx.log.info(`release body: ${prepared.bodyPath}`);
    await ctx.addSummary(
      `### pg-bundle publish (dry run)\n\nWould publish **${tag}**${repository ? ` to ${repository}` : ''}; assets and body are in \`${prepared.dir}\`.\n\n${prepared.body}`,
    );
    return 0;
  }

  const { owner, repo } = parseRepository(repository as string);
  const apiUrl = stringOption(options, 'apiUrl') ?? (process.env.GITHUB_API_URL || undefined);
  const octokit = createGitHubClient({
    token: token as string,
    baseUrl: apiUrl,
    log: ctx.log,
    retry: retryFromEnv(),
  });
  let outcome;
  try {
    outcome = await ctx.log.step(`publishing ${tag} to ${owner}/${repo}`, () =>
      publishRelease(octokit, {
        owner,
        repo,
        tag,
        body: prepared.body,
        assets: prepared.assets,
        replace: boolOption(options, 'replace'),
        log: ctx.log,
      }),
    );
  } catch (err) {
    throw explainGitHubError(err, `${owner}/${repo}`, 'contents: write');
  }
  const { data: release } = await octokit.rest.repos.getRelease({
    owner,
    repo,
    release_id: outcome.releaseId,
  });
  const urlOf = (name: string) => release.assets.find((a) => a.name === name)?.browser_download_url;
  Object.assign(record, {
    state: outcome.state,
    releaseUrl: release.html_url,
    assetUrl: urlOf(tarball.name),
    manifestUrl: urlOf('manifest.json'),
  });
  writeRecord();
  const verb = {
    created: 'created and published',
    completed: 'completed and published an interrupted',
    unchanged: 'left unchanged the existing',
    updated: 'updated the assets of',
  }[outcome.state];
  ctx.log.info(
    `${verb} release ${tag}: ${release.html_url} (uploaded: ${outcome.uploaded.join(', ') || 'none'}; kept: ${outcome.kept.join(', ') || 'none'}; replaced: ${outcome.replaced.join(', ') || 'none'})`,
  );
  ctx.setOutput('release-url', release.html_url);
  if (record.assetUrl) ctx.setOutput('asset-url', record.assetUrl);
  await ctx.addSummary(
    `### pg-bundle publish\n\nRelease [${tag}](${release.html_url}) (${outcome.state}).\n\n${prepared.body}`,
  );
  return 0;
};

export const fetchCommand: CommandHandler = async (options, ctx) => {
  const pinPath = stringOption(options, 'pinFile') ?? listOption(options, 'pinFile')[0];
  if (!pinPath)
    throw new UserError('fetch needs a pin file', 'pass --pin-file <path to postgres-bundle.json>');
  const out = stringOption(options, 'out') ?? 'out';
  const result = await fetchBundle({
    pinPath,
    outDir: out,
    token: tokenFrom(options, ctx),
    apiUrl: stringOption(options, 'apiUrl') ?? (process.env.GITHUB_API_URL || undefined),
    log: ctx.log,
    retryBaseDelayMs: retryFromEnv().baseDelayMs,
  });
  ctx.setOutput('dir', result.dir);
  ctx.setOutput('tag', result.tag);
  ctx.setOutput('sha256', result.sha256);
  return 0;
};
