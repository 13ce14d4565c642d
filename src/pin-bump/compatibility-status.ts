/**
 * The `pg-bundle/compatibility` commit status of a pin-bump pull request (the network edge): read
 * the pull request (its labels, its head commit, the summary pin-bump stored in its body), check the
 * summary is of the pin the head commit proposes, and set the status. pin-bump sets it after the
 * bump; `compatibility-status` sets it again when a label is added or removed.
 */
import { readFileSync } from 'node:fs';
import { CommandHandler, stringOption } from '../core/context';
import { githubAccess } from '../github/access';
import { createGitHubClient, GitHubClient } from '../github/client';
import { apiCall } from '../github/errors';
import { parseRepository, RepositoryName } from '../github/repository';
import { retryPolicy } from '../github/retry';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import { readFile } from './remote-file';
import {
  ACCEPT_LABEL,
  Compatibility,
  COMPATIBILITY_CONTEXT,
  compatibilityVerdict,
  readCompatibilityComment,
  Verdict,
} from './compatibility';
import { measuredSha256 } from '../pin/pinned';
import { parsePin } from '../pin/read';

export interface StatusRequest extends RepositoryName {
  pullNumber: number;
  log: Logger;
  /** the pull request now proposes another bundle: an earlier acceptance no longer holds (the label is removed) */
  revokeAcceptance?: boolean;
}

type Pull = Awaited<ReturnType<GitHubClient['rest']['pulls']['get']>>['data'];

/** Why the stored summary does not describe the head commit's pin, or undefined when it does. */
async function staleness(gh: GitHubClient, req: StatusRequest, pull: Pull, c: Compatibility) {
  const file = await readFile(gh, req, c.pin, pull.head.sha);
  if (!file) return `${c.pin} is not on the pull request's head commit`;
  try {
    const pin = parsePin(file.text, `${c.pin} on ${pull.head.sha.slice(0, 12)}`);
    if (measuredSha256(pin) === c.new) return undefined;
    return `the pull request's ${c.pin} pins another bundle than the one measured; run pin-bump again`;
  } catch (err) {
    return `${c.pin} on the pull request's head commit is not a pin file (${(err as Error).message.split('\n')[0]})`;
  }
}

async function removeAcceptance(gh: GitHubClient, req: StatusRequest, repository: string): Promise<void> {
  await apiCall(`removing the label ${ACCEPT_LABEL}`, repository, 'pull-requests: write', () =>
    gh.rest.issues.removeLabel({
      owner: req.owner,
      repo: req.repo,
      issue_number: req.pullNumber,
      name: ACCEPT_LABEL,
    }),
  );
  req.log.info(
    `removed the label ${ACCEPT_LABEL} from #${req.pullNumber}: it proposes another bundle now, whose measurement the storage team has not accepted`,
  );
}

/** Whether the commit's latest status of this context already says this (a re-run then writes nothing; the token needs statuses: write anyway). */
async function alreadySet(
  gh: GitHubClient,
  req: StatusRequest,
  sha: string,
  verdict: Verdict,
): Promise<boolean> {
  const { owner, repo } = req;
  const statuses = await apiCall('reading the commit statuses', `${owner}/${repo}`, 'statuses: write', () =>
    gh.rest.repos.listCommitStatusesForRef({ owner, repo, ref: sha, per_page: 100 }),
  );
  // newest first; GitHub treats contexts case-insensitively
  const latest = statuses.data.find((s) => s.context.toLowerCase() === COMPATIBILITY_CONTEXT);
  return latest?.state === verdict.state && latest.description === verdict.description;
}

/** Sets the status on the pull request's head commit from its labels and stored summary. */
export async function setCompatibilityStatus(
  gh: GitHubClient,
  req: StatusRequest,
): Promise<Verdict & { sha: string }> {
  const repository = `${req.owner}/${req.repo}`;
  const { owner, repo, pullNumber } = req;
  const pull = (
    await apiCall(`reading pull request #${pullNumber}`, repository, 'pull-requests: read', () =>
      gh.rest.pulls.get({ owner, repo, pull_number: pullNumber }),
    )
  ).data;
  let labels = pull.labels.map((l) => l.name);
  if (req.revokeAcceptance && labels.includes(ACCEPT_LABEL)) {
    await removeAcceptance(gh, req, repository);
    labels = labels.filter((l) => l !== ACCEPT_LABEL);
  }
  const stored = readCompatibilityComment(pull.body);
  const stale = stored ? await staleness(gh, req, pull, stored) : undefined;
  const verdict = compatibilityVerdict(stored, labels, stale);
  if (await alreadySet(gh, req, pull.head.sha, verdict)) {
    req.log.info(
      `${COMPATIBILITY_CONTEXT} on #${pullNumber} is already ${verdict.state}: ${verdict.description}`,
    );
    return { ...verdict, sha: pull.head.sha };
  }
  await apiCall(`setting the ${COMPATIBILITY_CONTEXT} status`, repository, 'statuses: write', () =>
    gh.rest.repos.createCommitStatus({
      owner,
      repo,
      sha: pull.head.sha,
      state: verdict.state,
      context: COMPATIBILITY_CONTEXT,
      description: verdict.description,
      target_url: pull.html_url,
    }),
  );
  req.log.info(
    `${COMPATIBILITY_CONTEXT} on #${pullNumber} (${pull.head.sha.slice(0, 12)}): ${verdict.state}: ${verdict.description}`,
  );
  return { ...verdict, sha: pull.head.sha };
}

/** --pull-request, else the number of the pull request of the event that started the workflow. */
export function pullRequestNumber(given: string | undefined, env: NodeJS.ProcessEnv): number {
  let value = given;
  if (value === undefined && env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
        pull_request?: { number?: number };
      };
      value = event.pull_request?.number?.toString();
    } catch {
      value = undefined;
    }
  }
  if (value === undefined || !/^[1-9][0-9]*$/.test(value.trim()))
    throw new UserError(
      value === undefined
        ? 'compatibility-status needs the pull request: the workflow event has none'
        : `--pull-request is "${value}", not a pull request number`,
      'pass --pull-request <number> (in a workflow on pull_request: ${{ github.event.pull_request.number }})',
    );
  return Number(value.trim());
}

/**
 * `pg-bundle compatibility-status`: sets the `pg-bundle/compatibility` status of a pin-bump pull
 * request again, e.g. from a workflow on `pull_request: types: [labeled, unlabeled]`.
 */
export function makeCompatibilityStatusCommand(env: NodeJS.ProcessEnv = process.env): CommandHandler {
  return async (options, ctx) => {
    const repository = parseRepository(
      stringOption(options, 'consumerRepository') ?? (env.GITHUB_REPOSITORY || undefined),
      'the repository of the pull request',
      '--consumer-repository',
    );
    const pullNumber = pullRequestNumber(stringOption(options, 'pullRequest'), env);
    const { token, apiUrl } = githubAccess(options, ctx, env);
    if (!token)
      throw new UserError(
        `compatibility-status needs a token for ${repository.owner}/${repository.repo}`,
        'pass --token or set GITHUB_TOKEN (in a workflow: permissions "pull-requests: read" and "statuses: write")',
      );
    const gh = createGitHubClient({ token, apiUrl, log: ctx.log, retry: retryPolicy(env) });
    const verdict = await setCompatibilityStatus(gh, { ...repository, pullNumber, log: ctx.log });
    ctx.setOutput('compatibility', verdict.state);
    await ctx.addSummary(`### ${COMPATIBILITY_CONTEXT}: ${verdict.state}\n\n${verdict.description}\n`);
    return 0;
  };
}

export const compatibilityStatusCommand: CommandHandler = makeCompatibilityStatusCommand();
