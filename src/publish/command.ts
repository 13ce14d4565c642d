/**
 * `pg-bundle publish [artifact-dir...]`.
 *
 * publish: packs the bundle (from --out, or from the artifact directories given as arguments, one
 * per matrix job; the artifacts of several platforms give one bundle per platform) into the
 * release's assets under <out>/publish/, then, unless --dry-run, publishes them as a GitHub Release
 * idempotently (see release.ts); without a token it fails. It writes <out>/publish/release.json
 * (tag, repository, each platform's asset name, sha256 and URLs) for pin-bump.
 */
import { boolOption, CommandContext, CommandHandler, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { GitHubAccess, githubAccess } from '../github/access';
import { apiCall } from '../github/errors';
import { createGitHubClient } from '../github/client';
import { parseRepository } from '../github/repository';
import { retryPolicy } from '../github/retry';
import { ReleaseRecord, writeReleaseRecord } from '../release/record';
import { UserError } from '../util/errors';
import { assemblePublishInputs, findArtifactDirs } from './artifacts';
import { defaultTag, validateTag } from './tag';
import { PreparedRelease, prepareRelease } from './prepare';
import { MakeLatest, PublishOutcome, publishRelease } from './release';
import { adoptSameContent } from './same-content';

/** Where publish sends the release, or why it only prepares it. */
interface PublishTarget {
  access: GitHubAccess;
  repository?: string;
  /** undefined: publish for real; else why not ("--dry-run") */
  dryRunReason?: string;
  /** the built commit the tag is created at */
  targetCommitish?: string;
  makeLatest: MakeLatest;
}

const MAKE_LATEST: MakeLatest[] = ['true', 'false', 'legacy'];

function makeLatestOption(options: RawOptions): MakeLatest {
  const value = stringOption(options, 'makeLatest') ?? 'true';
  if (!(MAKE_LATEST as string[]).includes(value))
    throw new UserError(`--make-latest is "${value}"`, `use one of ${MAKE_LATEST.join(', ')}`);
  return value as MakeLatest;
}

/** --target-commitish, else the workflow's commit when the release goes to the workflow's repository. */
function targetCommitish(options: RawOptions, repository: string | undefined): string | undefined {
  const given = stringOption(options, 'targetCommitish');
  if (given) return given;
  const sha = process.env.GITHUB_SHA;
  return sha && repository && repository === process.env.GITHUB_REPOSITORY ? sha : undefined;
}

/** The artifact directories to publish: the arguments (each may hold several), else --out. */
function artifactSources(args: string[], out: string): string[] {
  if (args.length === 0) return [out];
  const sources = args.flatMap((a) => findArtifactDirs(a));
  if (sources.length === 0)
    throw new UserError(
      `no manifest.json found in ${args.join(', ')}`,
      'pass the directories downloaded from the build jobs (each with manifest.json and vNN/)',
    );
  return sources;
}

function publishTarget(options: RawOptions, ctx: CommandContext): PublishTarget {
  const access = githubAccess(options, ctx);
  const repository = stringOption(options, 'repository') ?? (process.env.GITHUB_REPOSITORY || undefined);
  // dry run only when asked: without a token publish fails instead of quietly publishing nothing
  const dryRunReason = boolOption(options, 'dryRun') ? '--dry-run' : undefined;
  if (!dryRunReason && !access.token)
    throw new UserError(
      'publish needs a GitHub token with contents: write on the release repository',
      'pass --token or set GITHUB_TOKEN; to only prepare the assets, pass --dry-run',
    );
  if (!dryRunReason && !repository)
    throw new UserError(
      'publish needs the release repository',
      'pass --repository <owner>/<name> (in a workflow GITHUB_REPOSITORY is used)',
    );
  return {
    access,
    repository,
    dryRunReason,
    targetCommitish: targetCommitish(options, repository),
    makeLatest: makeLatestOption(options),
  };
}

function publishRecord(
  prepared: PreparedRelease,
  target: PublishTarget,
  urlOf: (name: string) => string | undefined = () => undefined,
): ReleaseRecord {
  const tarball = prepared.assets[0];
  const platforms = prepared.platforms.map((p) => {
    const assetUrl = urlOf(p.tarball.name);
    const manifestUrl = urlOf(p.manifestName);
    return {
      platform: p.platform,
      assetName: p.tarball.name,
      sha256: p.tarball.sha256,
      manifestName: p.manifestName,
      ...(assetUrl ? { assetUrl } : {}),
      ...(manifestUrl ? { manifestUrl } : {}),
    };
  });
  return {
    tag: prepared.tag,
    repository: target.repository ?? null,
    assetName: tarball.name,
    sha256: tarball.sha256,
    platforms,
    assets: prepared.assets.map((a) => ({ name: a.name, sha256: a.sha256, size: a.size })),
    dryRun: target.dryRunReason !== undefined,
  };
}

async function reportDryRun(prepared: PreparedRelease, target: PublishTarget, ctx: CommandContext) {
  const { tag } = prepared;
  const to = target.repository ? ` to ${target.repository}` : '';
  ctx.log.info(`dry run (${target.dryRunReason}): nothing was sent to GitHub. Would publish ${tag}${to}:`);
  for (const a of prepared.assets) ctx.log.info(`  ${a.name}  ${a.size} bytes  sha256 ${a.sha256}`);
  ctx.log.info(`release body: ${prepared.bodyPath}`);
  await ctx.addSummary(
    `### pg-bundle publish (dry run)\n\nWould publish **${tag}**${to}; assets and body are in \`${prepared.dir}\`.\n\n${prepared.body}`,
  );
}

interface Published {
  outcome: PublishOutcome;
  releaseUrl: string;
  /** the download URL GitHub gave an asset of the release */
  urlOf: (name: string) => string | undefined;
  releasedAt: string;
}

/** Publishes the prepared assets (release.ts) and reads back the URLs GitHub gave them. */
async function publishToGitHub(
  prepared: PreparedRelease,
  target: PublishTarget,
  replace: boolean,
  ctx: CommandContext,
): Promise<Published> {
  const { owner, repo } = parseRepository(target.repository, 'the release repository');
  const repository = `${owner}/${repo}`;
  const octokit = createGitHubClient({
    token: target.access.token as string,
    apiUrl: target.access.apiUrl,
    log: ctx.log,
    retry: retryPolicy(),
  });
  // the same files under another source revision: the published release stays, its assets are adopted
  if (!replace) await adoptSameContent(octokit, { owner, repo, tag: prepared.tag }, prepared, ctx.log);
  const { tag, body, assets } = prepared;
  if (target.targetCommitish) ctx.log.info(`release ${tag} is for commit ${target.targetCommitish}`);
  const outcome = await apiCall(`publishing ${tag}`, repository, 'contents: write', () =>
    ctx.log.step(`publishing ${tag} to ${repository}`, () =>
      publishRelease(octokit, {
        owner,
        repo,
        tag,
        body,
        assets,
        replace,
        targetCommitish: target.targetCommitish,
        makeLatest: target.makeLatest,
        log: ctx.log,
        retry: retryPolicy(),
      }),
    ),
  );
  const { data: release } = await apiCall(`reading release ${tag} back`, repository, 'contents: read', () =>
    octokit.rest.repos.getRelease({ owner, repo, release_id: outcome.releaseId }),
  );
  const urlOf = (name: string) => release.assets.find((a) => a.name === name)?.browser_download_url;
  return { outcome, releaseUrl: release.html_url, urlOf, releasedAt: release.created_at };
}

const STATE_VERB: Record<PublishOutcome['state'], string> = {
  created: 'created and published',
  completed: 'completed and published an interrupted',
  unchanged: 'left unchanged the existing',
  updated: 'updated the assets of',
};

async function reportPublished(
  prepared: PreparedRelease,
  published: Published,
  record: ReleaseRecord,
  ctx: CommandContext,
) {
  const { outcome, releaseUrl } = published;
  const list = (names: string[]) => names.join(', ') || 'none';
  ctx.log.info(
    `${STATE_VERB[outcome.state]} release ${prepared.tag}: ${releaseUrl} (uploaded: ${list(outcome.uploaded)}; kept: ${list(outcome.kept)}; replaced: ${list(outcome.replaced)})`,
  );
  ctx.setOutput('release-url', releaseUrl);
  const assetUrl = record.platforms[0]?.assetUrl;
  if (assetUrl) ctx.setOutput('asset-url', assetUrl);
  await ctx.addSummary(
    `### pg-bundle publish\n\nRelease [${prepared.tag}](${releaseUrl}) (${outcome.state}).\n\n${prepared.body}`,
  );
}

export const publishCommand: CommandHandler = async (options, ctx) => {
  const out = stringOption(options, 'out') ?? 'out';
  // every check of the artifacts (one bundle per platform, same versions and sources) comes first
  const inputs = assemblePublishInputs(artifactSources(ctx.args, out));
  const tag = validateTag(stringOption(options, 'tag') ?? defaultTag(inputs.map((i) => i.manifest)));
  const target = publishTarget(options, ctx);
  if (inputs.length > 1)
    ctx.log.info(`one release for ${inputs.map((i) => i.manifest.platform).join(' and ')}`);
  const prepared = await prepareRelease(inputs, tag, out, ctx.log);
  ctx.setOutput('tag', tag);
  ctx.setOutput('asset-path', prepared.assets[0].path);
  if (target.dryRunReason) {
    const record = publishRecord(prepared, target);
    ctx.setOutput('sha256', record.sha256);
    writeReleaseRecord(prepared.dir, record);
    await reportDryRun(prepared, target, ctx);
    return 0;
  }
  const published = await publishToGitHub(prepared, target, boolOption(options, 'replace'), ctx);
  // after publishing: the assets may be the release's own (adoptSameContent)
  const record = publishRecord(prepared, target, published.urlOf);
  ctx.setOutput('sha256', record.sha256);
  const { releaseUrl, releasedAt } = published;
  const first = record.platforms[0];
  writeReleaseRecord(prepared.dir, {
    ...record,
    state: published.outcome.state,
    releaseUrl,
    assetUrl: first?.assetUrl,
    manifestUrl: first?.manifestUrl,
    releasedAt,
  });
  await reportPublished(prepared, published, record, ctx);
  return 0;
};
