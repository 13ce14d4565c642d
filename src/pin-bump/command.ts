/**
 * `pg-bundle pin-bump`: opens (or updates) the pull request that moves the consumer repository's pin
 * file to the release publish just made, routed to the storage team by CODEOWNERS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { boolOption, CommandContext, CommandHandler, listOption, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { GitHubAccess, githubAccess } from '../github/access';
import { createGitHubClient, GitHubClient } from '../github/client';
import { parseRepository, RepositoryName } from '../github/repository';
import { retryPolicy } from '../github/retry';
import { fetchAccess } from '../fetch/temp';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import { applyBump, enforceRouting, planBump } from './bump';
import { BumpPlan, BumpRequest, bumpBranch } from './request';
import { setCompatibilityStatus } from './compatibility-status';
import { CompareRunner, measureBump } from './measure';
import { pinPathProblem } from '../pin/path';
import { DEFAULT_PIN_PATH } from '../core/options';
import { pinnedPlatforms, primaryBundle, unmeasuredFacts } from '../pin/pinned';
import { pinFromManifests, serialisePin } from '../pin/write';
import { readReleaseInfo, readReleaseManifests } from './release-info';
import { validateStorageTeam } from './routing';

function labelsOption(options: RawOptions): string[] {
  return listOption(options, 'labels')
    .flatMap((l) => l.split(','))
    .map((l) => l.trim())
    .filter(Boolean);
}

/** Writes the would-be change under <out>/pin-bump/ (also after a real run, as a record). */
function writeArtifacts(
  dir: string,
  pinPath: string,
  newText: string,
  plan: Pick<
    BumpPlan,
    | 'diff'
    | 'body'
    | 'title'
    | 'branch'
    | 'base'
    | 'labels'
    | 'teamReviewers'
    | 'repository'
    | 'routing'
    | 'risks'
    | 'compatibility'
  >,
  log: Logger,
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, basename(pinPath)), newText);
  writeFileSync(join(dir, 'pin.diff'), plan.diff);
  writeFileSync(join(dir, 'pr-body.md'), plan.body);
  const summary = {
    repository: plan.repository,
    base: plan.base,
    branch: plan.branch,
    pinPath,
    title: plan.title,
    labels: plan.labels,
    teamReviewers: plan.teamReviewers,
    routing: plan.routing && {
      routed: plan.routing.routed,
      owners: plan.routing.owners,
      lineToAdd: plan.routing.lineToAdd,
      message: plan.routing.message,
    },
    risks: plan.risks,
    compatibility: plan.compatibility?.summary,
  };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(summary, null, 2) + '\n');
  if (plan.compatibility?.report)
    writeFileSync(join(dir, 'compare.json'), JSON.stringify(plan.compatibility.report, null, 2) + '\n');
  log.info(`wrote ${join(dir, basename(pinPath))}, pin.diff, pr-body.md and plan.json under ${dir}`);
}

export interface PinBumpDependencies {
  /** the environment (GITHUB_TOKEN, GITHUB_API_URL, GITHUB_REPOSITORY, PG_BUNDLE_RETRY_BASE_MS, ...) */
  env?: NodeJS.ProcessEnv;
  /** runs compare on the old and the new bundle (tests inject one; default: the real compare) */
  compare?: CompareRunner;
}

/** What the options ask for, checked before anything is read. */
interface BumpSettings {
  out: string;
  dryRun: boolean;
  /** the consumer repository; placeholders in a dry run without --repository */
  consumer: RepositoryName;
  repositoryGiven: boolean;
  /** the release repository, when --repository names it (beside --consumer-repository) */
  releaseRepository?: string;
  pinPath: string;
  storageTeam?: string;
  allowUnrouted: boolean;
  access: GitHubAccess;
}

function bumpSettings(options: RawOptions, ctx: CommandContext, env: NodeJS.ProcessEnv): BumpSettings {
  const dryRun = boolOption(options, 'dryRun');
  // --consumer-repository names the consumer (then --repository is the release repository, as in
  // `run`); pin-bump alone also takes the consumer as --repository.
  const consumerGiven = stringOption(options, 'consumerRepository');
  const repository = consumerGiven ?? stringOption(options, 'repository');
  // A dry run without a consumer repository (the README's local main job) still renders the pin,
  // the diff and the PR body, as a first pin.
  const consumer =
    repository || !dryRun
      ? parseRepository(
          repository,
          'the consumer repository',
          consumerGiven || !repository ? '--consumer-repository' : '--repository',
        )
      : { owner: '<consumer>', repo: '<repository>' };
  const pinPath = stringOption(options, 'pinFile') ?? DEFAULT_PIN_PATH;
  const pathProblem = pinPathProblem(pinPath);
  if (pathProblem) throw new UserError(pathProblem, `pass --pin-file like ${DEFAULT_PIN_PATH}`);
  const storageTeam = stringOption(options, 'storageTeam');
  const teamProblem = storageTeam ? validateStorageTeam(storageTeam) : undefined;
  if (teamProblem) throw new UserError(teamProblem, 'pass --storage-team @org/team-name');
  const allowUnrouted = boolOption(options, 'allowUnrouted');
  const access = githubAccess(options, ctx, env);
  if (!storageTeam && !allowUnrouted && !dryRun)
    throw new UserError(
      'pin-bump needs the storage team that must own the pin file in CODEOWNERS',
      'pass --storage-team @org/team-name (or --allow-unrouted to skip the routing check)',
    );
  const out = stringOption(options, 'out') ?? 'out';
  return {
    out,
    dryRun,
    consumer,
    releaseRepository: consumerGiven ? stringOption(options, 'repository') : undefined,
    repositoryGiven: !!repository,
    pinPath,
    storageTeam,
    allowUnrouted,
    access,
  };
}

/** The new pin (from the manifest and the release publish made) and the bump request around it. */
function bumpRequest(
  settings: BumpSettings,
  options: RawOptions,
  env: NodeJS.ProcessEnv,
  ctx: CommandContext,
  compare?: CompareRunner,
): BumpRequest {
  const { log } = ctx;
  const { out, dryRun } = settings;
  const { manifests, paths } = readReleaseManifests(out);
  const release = readReleaseInfo({
    out,
    tag: stringOption(options, 'tag'),
    releaseRepository:
      settings.releaseRepository ?? (env.PG_BUNDLE_RELEASE_REPOSITORY || env.GITHUB_REPOSITORY),
    serverUrl: settings.access.serverUrl,
    platforms: manifests.map((m) => m.platform),
    dryRun,
  });
  const newPin = pinFromManifests(manifests, release);
  log.info(
    `pin for ${release.tag}: ${pinnedPlatforms(newPin).join(' and ')}, versions ${Object.keys(primaryBundle(newPin).versions).join(', ')} (from ${paths.join(', ')})`,
  );
  const unmeasured = unmeasuredFacts(newPin);
  if (unmeasured.length > 0)
    log.warn(
      `verify did not measure ${unmeasured.join(', ')}: the risk analysis cannot rule out collation changes there`,
    );
  return {
    ...settings.consumer,
    pinPath: settings.pinPath,
    newPin,
    newText: serialisePin(newPin),
    storageTeam: settings.storageTeam,
    allowUnrouted: settings.allowUnrouted,
    allowOlder: boolOption(options, 'allowOlder'),
    labels: labelsOption(options),
    branch: bumpBranch(settings.pinPath),
    conformanceUrl: release.conformanceUrl,
    manifests: { new: manifests },
    retry: retryPolicy(env),
    measure: (oldPin, pin) =>
      measureBump(oldPin, pin, {
        out,
        pinPath: settings.pinPath,
        access: fetchAccess(options, ctx, env),
        allowUnisolated: boolOption(options, 'allowUnisolated'),
        log,
        compare,
      }),
  };
}

async function dryRunBump(req: BumpRequest, settings: BumpSettings, ctx: CommandContext): Promise<number> {
  const { log } = ctx;
  log.info(
    'dry run: nothing is read from or sent to GitHub, so the current pin file and CODEOWNERS are not read and the change is shown as a first pin',
  );
  const plan = await planBump(undefined, req, log);
  writeArtifacts(join(settings.out, 'pin-bump'), req.pinPath, plan.newText, plan, log);
  log.info(
    `dry run: ${plan.alreadyPinned ? `${req.pinPath} on ${plan.base} already pins ${req.newPin.tag}; nothing would change` : `would commit to branch ${plan.branch} of ${plan.repository} (from ${plan.base}) and open or update the pull request "${plan.title}"`}`,
  );
  await log.step(`would-be ${req.pinPath} diff`, async () => log.info(plan.diff));
  await log.step('would-be pull request body', async () => log.info(plan.body));
  ctx.setOutput('pin-bump-result', 'dry-run');
  await ctx.addSummary(
    `### pg-bundle pin-bump (dry run)\n\nWould open or update "${plan.title}" in ${plan.repository}.\n\n<details><summary>${req.pinPath} diff</summary>\n\n\`\`\`diff\n${plan.diff}\n\`\`\`\n\n</details>\n\n<details><summary>pull request body</summary>\n\n${plan.body}\n\n</details>\n`,
  );
  return 0;
}

async function realBump(gh: GitHubClient, req: BumpRequest, settings: BumpSettings, ctx: CommandContext) {
  const { log } = ctx;
  const plan = await planBump(gh, req, log);
  writeArtifacts(join(settings.out, 'pin-bump'), req.pinPath, plan.newText, plan, log);
  if (plan.alreadyPinned) {
    log.info(`${req.pinPath} on ${plan.base} already pins ${req.newPin.tag}: nothing to do`);
    ctx.setOutput('pin-bump-result', 'already-pinned');
    return 0;
  }
  enforceRouting(plan, req, log);
  const result = await applyBump(gh, req, plan, log);
  ctx.setOutput('pin-bump-result', result.outcome);
  if (result.pullNumber !== undefined) ctx.setOutput('pull-request-number', String(result.pullNumber));
  if (result.pullUrl) ctx.setOutput('pull-request-url', result.pullUrl);
  if (result.pullNumber !== undefined) {
    const verdict = await setCompatibilityStatus(gh, {
      owner: req.owner,
      repo: req.repo,
      pullNumber: result.pullNumber,
      log,
      revokeAcceptance: result.pinCommitted === true && result.outcome !== 'created',
    });
    ctx.setOutput('compatibility', verdict.state);
  }
  const verb =
    result.outcome === 'up-to-date' ? 'Unchanged' : result.outcome === 'created' ? 'Opened' : 'Updated';
  await ctx.addSummary(
    `### pg-bundle pin-bump\n\n${verb}: [${plan.title}](${result.pullUrl ?? ''}) in ${plan.repository}.\n`,
  );
  return 0;
}

export function makePinBumpCommand(deps: PinBumpDependencies = {}): CommandHandler {
  return async (options, ctx) => {
    const env = deps.env ?? process.env;
    const settings = bumpSettings(options, ctx, env);
    const req = bumpRequest(settings, options, env, ctx, deps.compare);
    const { token, apiUrl } = settings.access;
    // a dry run calls nothing remote: it shows the change as a first pin of the consumer repository
    if (settings.dryRun) return dryRunBump(req, settings, ctx);
    const gh =
      token && settings.repositoryGiven
        ? createGitHubClient({ token, apiUrl, log: ctx.log, retry: retryPolicy(env) })
        : undefined;
    if (!gh)
      throw new UserError(
        `pin-bump needs a token for ${req.owner}/${req.repo}`,
        'pass --token or set GITHUB_TOKEN to a GitHub App or fine-grained token with "contents: write" and "pull-requests: write" on the consumer repository (GITHUB_TOKEN of another repository cannot write there)',
      );
    return realBump(gh, req, settings, ctx);
  };
}

export const pinBumpCommand: CommandHandler = makePinBumpCommand();
