/**
 * The writing steps of a bump: the bump branch recreated with the new pin file, and its pull request
 * (opened or updated, labelled, review requested). Each step writes only what is missing.
 */
import { GitHubClient } from '../github/client';
import { apiCall, apiMessage, explainGitHubError, httpStatus } from '../github/errors';
import { DEFAULT_RETRY, transient422Decision, withRetries } from '../github/retry';
import { Logger } from '../util/logger';
import { readFile } from './remote-file';
import { BumpPlan, BumpRequest } from './request';

export interface OpenPull {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  labels: string[];
  teams: string[];
}

/** What the writing steps of a bump work with. */
export interface Bump {
  gh: GitHubClient;
  req: BumpRequest;
  plan: BumpPlan;
  log: Logger;
}

export async function findOpenPull({ gh, req, plan }: Bump): Promise<OpenPull | undefined> {
  const res = await apiCall('listing pull requests', plan.repository, 'pull-requests: write', () =>
    gh.rest.pulls.list({
      owner: req.owner,
      repo: req.repo,
      state: 'open',
      head: `${req.owner}:${plan.branch}`,
      per_page: 100,
    }),
  );
  const pr = res.data.find((p) => p.head.ref === plan.branch);
  if (!pr) return undefined;
  return {
    number: pr.number,
    html_url: pr.html_url,
    title: pr.title,
    body: pr.body,
    labels: pr.labels.map((l) => (typeof l === 'string' ? l : (l.name ?? ''))),
    teams: (pr.requested_teams ?? []).map((t) => t.slug),
  };
}

/** Resets the bump branch to the base head (creating it if needed) and commits the new pin file. */
export async function commitPin({ gh, req, plan, log }: Bump): Promise<void> {
  const { owner, repo } = req;
  const baseRef = await apiCall(`reading branch ${plan.base}`, plan.repository, 'contents: read', () =>
    gh.rest.git.getRef({ owner, repo, ref: `heads/${plan.base}` }),
  );
  const baseSha = baseRef.data.object.sha;
  let branchExists = true;
  try {
    await gh.rest.git.getRef({ owner, repo, ref: `heads/${plan.branch}` });
  } catch (err) {
    if (httpStatus(err) !== 404)
      throw explainGitHubError(err, {
        doing: `reading branch ${plan.branch}`,
        repository: plan.repository,
        permission: 'contents: read',
      });
    branchExists = false;
  }
  if (branchExists) {
    await apiCall(`resetting branch ${plan.branch}`, plan.repository, 'contents: write', () =>
      gh.rest.git.updateRef({ owner, repo, ref: `heads/${plan.branch}`, sha: baseSha, force: true }),
    );
    log.info(`branch ${plan.branch} recreated from ${plan.base} (${baseSha.slice(0, 12)})`);
  } else {
    await apiCall(`creating branch ${plan.branch}`, plan.repository, 'contents: write', () =>
      gh.rest.git.createRef({ owner, repo, ref: `refs/heads/${plan.branch}`, sha: baseSha }),
    );
    log.info(`branch ${plan.branch} created from ${plan.base} (${baseSha.slice(0, 12)})`);
  }
  // The pin file's blob sha on the recreated branch (the base may have moved since planBump read it).
  const existing = await readFile(gh, req, plan.pinPath, plan.branch);
  await apiCall(`committing ${plan.pinPath}`, plan.repository, 'contents: write', () =>
    gh.rest.repos.createOrUpdateFileContents({
      owner,
      repo,
      path: plan.pinPath,
      branch: plan.branch,
      message: `${plan.title}\n\nWritten by pg-bundle pin-bump.`,
      content: Buffer.from(plan.newText, 'utf8').toString('base64'),
      ...(existing ? { sha: existing.sha } : {}),
    }),
  );
  log.info(`committed ${plan.pinPath} to ${plan.branch}`);
}

/** Opens the pull request from the bump branch. */
export async function openPull({ gh, req, plan, log }: Bump): Promise<OpenPull> {
  const res = await apiCall('opening the pull request', plan.repository, 'pull-requests: write', () =>
    gh.rest.pulls.create({
      owner: req.owner,
      repo: req.repo,
      head: plan.branch,
      base: plan.base,
      title: plan.title,
      body: plan.body,
      maintainer_can_modify: true,
    }),
  );
  const { number, html_url, title, body } = res.data;
  log.info(`opened pull request #${number}: ${html_url}`);
  return { number, html_url, title, body, labels: [], teams: [] };
}

/** Brings an open pull request's title and body up to date; true when it changed. */
export async function updatePull({ gh, req, plan, log }: Bump, pull: OpenPull): Promise<boolean> {
  if (pull.title === plan.title && (pull.body ?? '') === plan.body) return false;
  const number = pull.number;
  await apiCall(`updating pull request #${number}`, plan.repository, 'pull-requests: write', () =>
    gh.rest.pulls.update({
      owner: req.owner,
      repo: req.repo,
      pull_number: number,
      title: plan.title,
      body: plan.body,
    }),
  );
  log.info(`updated pull request #${number}: ${pull.html_url}`);
  return true;
}

/** Runs a call, retrying GitHub's transient 422 (labels and reviewers right after the PR changed). */
function retrying422<T>(req: BumpRequest, log: Logger, call: () => Promise<T>): Promise<T> {
  const policy = req.retry ?? DEFAULT_RETRY;
  return withRetries(
    call,
    (err, attempt) => transient422Decision(err, attempt, policy),
    (_decision, attempt, err) =>
      log.warn(`GitHub answered 422 (${apiMessage(err)}); retrying (attempt ${attempt + 1})`),
  );
}

/** Adds the plan's labels the pull request lacks; true when it added any. */
export async function addMissingLabels({ gh, req, plan, log }: Bump, pull: OpenPull): Promise<boolean> {
  const missing = plan.labels.filter((l) => !pull.labels.includes(l));
  if (missing.length === 0) return false;
  const issue_number = pull.number;
  await apiCall(`labelling pull request #${issue_number}`, plan.repository, 'pull-requests: write', () =>
    retrying422(req, log, () =>
      gh.rest.issues.addLabels({ owner: req.owner, repo: req.repo, issue_number, labels: missing }),
    ),
  );
  log.info(`labelled pull request #${issue_number}: ${missing.join(', ')}`);
  return true;
}

/**
 * Requests review from the plan's teams the pull request does not already ask. A refusal (422
 * after retries: the team lacks write access) only warns: the PR exists and CODEOWNERS still applies.
 */
export async function requestMissingReviews(
  { gh, req, plan, log }: Bump,
  pull: OpenPull,
): Promise<{ changed: boolean }> {
  const missing = plan.teamReviewers.filter(
    (t) => !pull.teams.some((s) => s.toLowerCase() === t.toLowerCase()),
  );
  if (missing.length === 0) return { changed: false };
  const { owner, repo } = req;
  const pull_number = pull.number;
  const teams = missing.map((t) => `@${owner}/${t}`).join(', ');
  try {
    await apiCall(
      `requesting reviews on pull request #${pull_number}`,
      plan.repository,
      'pull-requests: write',
      () =>
        retrying422(req, log, () =>
          gh.rest.pulls.requestReviewers({ owner, repo, pull_number, team_reviewers: missing }),
        ),
    );
    log.info(`requested review from ${teams}`);
    return { changed: true };
  } catch (err) {
    if (httpStatus(err) !== 422) throw err;
    log.warn(
      `could not request review from ${teams} on #${pull_number} (${apiMessage(err)}): the team needs write access to ${plan.repository}`,
    );
    return { changed: false };
  }
}
