/**
 * `pg-bundle pin-bump`: opens (or updates) the pull request that moves the consumer repository's pin
 * file to the release publish just made, routed to the storage team by CODEOWNERS.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { boolOption, CommandHandler, listOption, stringOption } from '../core/context';
import { RawOptions } from '../core/options';
import { createGitHubClient } from '../publish/github-client';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import {
  applyBump,
  BumpPlan,
  BumpRequest,
  BUMP_BRANCH,
  enforceRouting,
  GitHubClient,
  planBump,
} from './bump';
import { DEFAULT_PIN_PATH, pinFromManifest, pinPathProblem, serialisePin, unmeasuredFacts } from './pin-file';
import { pinDiff } from './pin-diff';
import { prTitle, renderPrBody } from './pr-body';
import { readManifest, readReleaseInfo } from './release-info';
import { analyseRisk } from './risk';
import { validateStorageTeam } from './routing';

export const DEFAULT_API_URL = 'https://api.github.com';

/** https://api.github.com → https://github.com; https://ghe.example/api/v3 → https://ghe.example (pure). */
export function serverUrlFromApiUrl(apiUrl: string): string {
  const url = apiUrl.replace(/\/+$/, '');
  if (url === DEFAULT_API_URL) return 'https://github.com';
  return url.replace(/\/api\/v3$/, '');
}

function parseRepository(value: string | undefined): { owner: string; repo: string } {
  if (!value)
    throw new UserError(
      'pin-bump needs the consumer repository',
      'pass --repository <owner/name> (input "repository")',
    );
  const m = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value.trim());
  if (!m)
    throw new UserError(
      `--repository ${JSON.stringify(value)} is not of the form owner/name`,
      'pass --repository <owner/name>',
    );
  return { owner: m[1], repo: m[2] };
}

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
  };
  writeFileSync(join(dir, 'plan.json'), JSON.stringify(summary, null, 2) + '\n');
  log.info(`wrote ${join(dir, basename(pinPath))}, pin.diff, pr-body.md and plan.json under ${dir}`);
}

export interface PinBumpDependencies {
  /** builds the API client (tests pass one aimed at the fake GitHub) */
  octokit?: (token: string, baseUrl: string) => GitHubClient;
  env?: NodeJS.ProcessEnv;
  retryDelayMs?: number;
}

/** getOctokit (with baseUrl) plus publish's bounded retry on 5xx, dropped connections and rate limits. */
function defaultClient(log: Logger, retryDelayMs?: number): (token: string, baseUrl: string) => GitHubClient {
  return (token, baseUrl) =>
    createGitHubClient({
      token,
      baseUrl,
      log,
      retry: retryDelayMs === undefined ? {} : { baseDelayMs: retryDelayMs },
    });
}

export function makePinBumpCommand(deps: PinBumpDependencies = {}): CommandHandler {
  return async (options, ctx) => {
    const env = deps.env ?? process.env;
    const log = ctx.log;
    const out = stringOption(options, 'out') ?? 'out';
    const dryRun = boolOption(options, 'dryRun');
    const repository = stringOption(options, 'repository');
    // A dry run without a consumer repository (the README's local main job) still renders the pin,
    // the diff and the PR body, as a first pin.
    const { owner, repo } =
      repository || !dryRun ? parseRepository(repository) : { owner: '<consumer>', repo: '<repository>' };
    const pinPath = stringOption(options, 'pinFile') ?? DEFAULT_PIN_PATH;
    const pathProblem = pinPathProblem(pinPath);
    if (pathProblem) throw new UserError(pathProblem, `pass --pin-file like ${DEFAULT_PIN_PATH}`);
    const storageTeam = stringOption(options, 'storageTeam');
    const teamProblem = storageTeam ? validateStorageTeam(storageTeam) : undefined;
    if (teamProblem) throw new UserError(teamProblem, 'pass --storage-team @org/team-name');
    const allowUnrouted = boolOption(options, 'allowUnrouted');
    const token = stringOption(options, 'token') ?? (env.GITHUB_TOKEN || undefined);
    if (token) ctx.setSecret(token);
    const apiUrl = stringOption(options, 'apiUrl') ?? (env.GITHUB_API_URL || DEFAULT_API_URL);
    const serverUrl = env.GITHUB_SERVER_URL || serverUrlFromApiUrl(apiUrl);
    if (!storageTeam && !allowUnrouted && !dryRun) {
      throw new UserError(
        'pin-bump needs the storage team that must own the pin file in CODEOWNERS',
        'pass --storage-team @org/team-name (or --allow-unrouted to skip the routing check)',
      );
    }

    const { manifest, path: manifestPath } = readManifest(out);
    const release = readReleaseInfo({
      out,
      tag: stringOption(options, 'tag'),
      releaseRepository: env.PG_BUNDLE_RELEASE_REPOSITORY || env.GITHUB_REPOSITORY,
      serverUrl,
      platform: manifest.platform,
      dryRun,
    });
    const newPin = pinFromManifest(manifest, release);
    const newText = serialisePin(newPin);
    log.info(
      `pin for ${release.tag}: versions ${Object.keys(newPin.versions).join(', ')} (from ${manifestPath})`,
    );
    const unmeasured = unmeasuredFacts(newPin);
    if (unmeasured.length > 0)
      log.warn(
        `verify did not measure ${unmeasured.join(', ')}: the risk analysis cannot rule out collation changes there`,
      );

    const req: BumpRequest = {
      owner,
      repo,
      pinPath,
      newPin,
      newText,
      storageTeam,
      allowUnrouted,
      labels: labelsOption(options),
      branch: BUMP_BRANCH,
      conformanceUrl: release.conformanceUrl,
      retryDelayMs: deps.retryDelayMs,
    };
    const artifactsDir = join(out, 'pin-bump');
    const gh =
      token && repository
        ? (deps.octokit ?? defaultClient(log, deps.retryDelayMs))(token, apiUrl)
        : undefined;

    if (dryRun) {
      let plan: BumpPlan;
      if (gh) {
        plan = await planBump(gh, req, log);
      } else {
        log.warn(
          repository
            ? 'no token: the dry run cannot read the current pin file and CODEOWNERS, so it shows the change as a first pin'
            : 'no --repository: the dry run shows the change as a first pin of a consumer repository',
        );
        const risks = analyseRisk(undefined, newPin);
        plan = {
          repository: `${owner}/${repo}`,
          base: '(default branch)',
          branch: BUMP_BRANCH,
          pinPath,
          alreadyPinned: false,
          title: prTitle(newPin),
          body: renderPrBody({ newPin, pinPath, risks, conformanceUrl: release.conformanceUrl }),
          diff: pinDiff(pinPath, undefined, newText),
          risks,
          teamReviewers: [],
          labels: req.labels,
          notes: [],
        };
      }
      writeArtifacts(artifactsDir, pinPath, newText, plan, log);
      log.info(
        `dry run: ${plan.alreadyPinned ? `${pinPath} on ${plan.base} already pins ${newPin.tag}; nothing would change` : `would commit to branch ${plan.branch} of ${plan.repository} (from ${plan.base}) and open or update the pull request "${plan.title}"`}`,
      );
      log.info(`--- ${pinPath} ---\n${plan.diff}`);
      log.info(`--- pull request body ---\n${plan.body}`);
      ctx.setOutput('pin-bump-result', 'dry-run');
      if (gh) enforceRouting(plan, req, log);
      return 0;
    }

    if (!gh)
      throw new UserError(
        `pin-bump needs a token for ${owner}/${repo}`,
        'pass --token or set GITHUB_TOKEN to a GitHub App or fine-grained token with "contents: write" and "pull-requests: write" on the consumer repository (GITHUB_TOKEN of another repository cannot write there)',
      );
    const plan = await planBump(gh, req, log);
    writeArtifacts(artifactsDir, pinPath, newText, plan, log);
    if (plan.alreadyPinned) {
      log.info(`${pinPath} on ${plan.base} already pins ${newPin.tag}: nothing to do`);
      ctx.setOutput('pin-bump-result', 'already-pinned');
      return 0;
    }
    enforceRouting(plan, req, log);
    const result = await applyBump(gh, req, plan, log);
    ctx.setOutput('pin-bump-result', result.outcome);
    if (result.pullNumber !== undefined) ctx.setOutput('pull-request-number', String(result.pullNumber));
    if (result.pullUrl) ctx.setOutput('pull-request-url', result.pullUrl);
    await ctx.addSummary(
      `### pg-bundle pin-bump\n\n${result.outcome === 'up-to-date' ? 'Unchanged' : result.outcome === 'created' ? 'Opened' : 'Updated'}: [${plan.title}](${result.pullUrl ?? ''}) in ${plan.repository}.\n`,
    );
    return 0;
  };
}

export const pinBumpCommand: CommandHandler = makePinBumpCommand();
