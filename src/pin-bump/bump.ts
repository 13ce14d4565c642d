/**
 * The pin bump against GitHub's REST API (the network edge). Reading (plan) and writing (apply) are
 * separate so that --dry-run can show the plan with a read-only token.
 *
 * Idempotent like the best update bots: one fixed branch recreated from the default branch plus the
 * new pin file; an open PR from that branch is updated instead of opening another; nothing is written
 * when the default branch already pins this release or the open PR already proposes exactly this.
 */
import { getOctokit } from '@actions/github';
import { Logger } from '../util/logger';
import { UserError } from '../util/errors';
import {
  chooseCodeownersFile,
  CodeownersProblem,
  CODEOWNERS_LOCATIONS,
  ownersOf,
  parseCodeowners,
} from './codeowners';
import { apiCall, apiMessage, httpStatus, retryOn422 } from './github-errors';
import { parsePin, PinFile, samePinnedRelease } from './pin-file';
import { pinDiff } from './pin-diff';
import { prTitle, renderPrBody } from './pr-body';
import { analyseRisk, RiskItem } from './risk';
import { checkRouting, RoutingResult, teamSlugs } from './routing';

export type GitHubClient = ReturnType<typeof getOctokit>;

export const BUMP_BRANCH = 'pg-bundle/bump';

export interface BumpRequest {
  owner: string;
  repo: string;
  pinPath: string;
  newPin: PinFile;
  newText: string;
  /** `@org/team`; without it the routing check only reports the owners */
  storageTeam?: string;
  allowUnrouted: boolean;
  labels: string[];
  branch?: string;
  conformanceUrl?: string;
  /** delay before retrying a transient 422 (multiplied by the attempt number) */
  retryDelayMs?: number;
}

export interface BumpPlan {
  repository: string;
  base: string;
  branch: string;
  pinPath: string;
  oldText?: string;
  oldSha?: string;
  oldPin?: PinFile;
  alreadyPinned: boolean;
  title: string;
  body: string;
  diff: string;
  risks: RiskItem[];
  routing?: RoutingResult;
  teamReviewers: string[];
  labels: string[];
  notes: string[];
}

export type BumpOutcome = 'already-pinned' | 'up-to-date' | 'created' | 'updated';

export interface BumpResult {
  outcome: BumpOutcome;
  pullNumber?: number;
  pullUrl?: string;
  /** the review request was refused (422 after retries); the PR exists */
  reviewRequestFailed?: boolean;
}

interface RemoteFile {
  text: string;
  sha: string;
}

async function readFile(
  gh: GitHubClient,
  req: BumpRequest,
  path: string,
  ref: string,
): Promise<RemoteFile | undefined> {
  const repository = `${req.owner}/${req.repo}`;
  const data = await apiCall(`reading ${path} on ${ref}`, repository, 'contents: read', async () => {
    try {
      return (await gh.rest.repos.getContent({ owner: req.owner, repo: req.repo, path, ref })).data;
    } catch (err) {
      if (httpStatus(err) === 404) return undefined; // no such file (or branch)
      throw err;
    }
  });
  if (data === undefined) return undefined;
  if (Array.isArray(data) || data.type !== 'file')
    throw new UserError(`${path} in ${repository} is not a file`, 'choose another --pin-file');
  const encoded = 'content' in data && typeof data.content === 'string' ? data.content : '';
  return { text: Buffer.from(encoded, 'base64').toString('utf8'), sha: data.sha };
}

function toProblem(e: {
  line: number;
  column: number;
  kind: string;
  source?: string;
  message: string;
  suggestion?: string | null;
}): CodeownersProblem {
  return {
    line: e.line,
    column: e.column,
    kind: e.kind,
    source: e.source ?? '',
    message: e.message.split('\n')[0],
    ...(e.suggestion ? { suggestion: e.suggestion } : {}),
  };
}

/** GitHub's own list of CODEOWNERS errors; undefined when the API does not offer it. */
async function remoteCodeownersProblems(
  gh: GitHubClient,
  req: BumpRequest,
  ref: string,
  log: Logger,
): Promise<CodeownersProblem[] | undefined> {
  try {
    const res = await gh.rest.repos.codeownersErrors({ owner: req.owner, repo: req.repo, ref });
    return res.data.errors.map(toProblem);
  } catch (err) {
    log.debug(
      `codeowners/errors not available (${httpStatus(err) ?? apiMessage(err)}); using pg-bundle's own CODEOWNERS parser only`,
    );
    return undefined;
  }
}

/** Reads what the bump needs and decides what it would do; writes nothing. */
export async function planBump(gh: GitHubClient, req: BumpRequest, log: Logger): Promise<BumpPlan> {
  const repository = `${req.owner}/${req.repo}`;
  const branch = req.branch ?? BUMP_BRANCH;
  const repoInfo = await apiCall('reading the repository', repository, 'metadata: read', () =>
    gh.rest.repos.get({ owner: req.owner, repo: req.repo }),
  );
  const base = repoInfo.data.default_branch;
  log.info(`${repository}: default branch ${base}`);

  const notes: string[] = [];
  const old = await readFile(gh, req, req.pinPath, base);
  let oldPin: PinFile | undefined;
  if (old) {
    try {
      oldPin = parsePin(old.text, `${req.pinPath} on ${base}`);
    } catch (err) {
      const why = (err as Error).message.split('\n')[0];
      log.warn(`${why}; it will be replaced`);
      notes.push(
        `The previous ${req.pinPath} did not follow the pin file schema, so nothing could be compared: ${why}`,
      );
    }
  } else {
    log.info(`${req.pinPath} does not exist on ${base} yet: this is the first pin`);
  }
  const alreadyPinned = oldPin !== undefined && samePinnedRelease(oldPin, req.newPin);

  const found: Partial<Record<(typeof CODEOWNERS_LOCATIONS)[number], RemoteFile>> = {};
  for (const path of CODEOWNERS_LOCATIONS) {
    const file = await readFile(gh, req, path, base);
    if (file) {
      found[path] = file;
      break; // GitHub uses the first one it finds
    }
  }
  const codeowners = chooseCodeownersFile(found);
  let routing: RoutingResult | undefined;
  if (req.storageTeam) {
    const remoteProblems = codeowners ? await remoteCodeownersProblems(gh, req, base, log) : undefined;
    routing = checkRouting({
      codeowners: codeowners && { path: codeowners.path, text: codeowners.content.text },
      remoteProblems,
      pinPath: req.pinPath,
      storageTeam: req.storageTeam,
    });
  }

  const risks = analyseRisk(oldPin, req.newPin);
  const body = renderPrBody({
    oldPin,
    newPin: req.newPin,
    pinPath: req.pinPath,
    risks,
    conformanceUrl: req.conformanceUrl,
    notes,
  });
  return {
    repository,
    base,
    branch,
    pinPath: req.pinPath,
    oldText: old?.text,
    oldSha: old?.sha,
    oldPin,
    alreadyPinned,
    title: prTitle(req.newPin),
    body,
    diff: pinDiff(req.pinPath, old?.text, req.newText),
    risks,
    routing,
    teamReviewers:
      routing?.teamReviewers ??
      (codeowners ? teamSlugs(ownersOf(parseCodeowners(codeowners.content.text), req.pinPath).owners) : []),
    labels: req.labels,
    notes,
  };
}

/** Fails (or warns with allowUnrouted) when CODEOWNERS does not send the pin file to the storage team. */
export function enforceRouting(plan: BumpPlan, req: BumpRequest, log: Logger): void {
  if (!req.storageTeam) {
    log.warn('no --storage-team given: the CODEOWNERS routing of the pin file was not checked');
    return;
  }
  const routing = plan.routing;
  if (!routing) return;
  if (routing.routed) {
    log.info(routing.message);
    return;
  }
  if (req.allowUnrouted) log.warn(`${routing.message}\n(--allow-unrouted: continuing anyway)`);
  else
    throw new UserError(
      routing.message,
      `add the line above to CODEOWNERS on ${plan.base}, or pass --allow-unrouted to only warn`,
    );
}

interface OpenPull {
  number: number;
  html_url: string;
  title: string;
  body: string | null;
  labels: string[];
  teams: string[];
}

async function findOpenPull(
  gh: GitHubClient,
  req: BumpRequest,
  plan: BumpPlan,
): Promise<OpenPull | undefined> {
  const res = await apiCall('listing pull requests', plan.repository, 'pull-requests: write', () =>
    gh.rest.pulls.list({
      owner: req.owner,
      repo: req.repo,
      state: 'open',
      head: `${req.owner}:${plan.branch}`,
      per_page: 100,
    }),
  );
  const pr = res.data.find((p) => p.head.ref === plan.branch) ?? res.data[0];
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
async function commitPin(gh: GitHubClient, req: BumpRequest, plan: BumpPlan, log: Logger): Promise<void> {
  const { owner, repo } = req;
  const baseRef = await apiCall(`reading branch ${plan.base}`, plan.repository, 'contents: read', () =>
    gh.rest.git.getRef({ owner, repo, ref: `heads/${plan.base}` }),
  );
  const baseSha = baseRef.data.object.sha;
  let branchExists = true;
  try {
    await gh.rest.git.getRef({ owner, repo, ref: `heads/${plan.branch}` });
  } catch (err) {
    if (httpStatus(err) !== 404) throw err;
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
      content: Buffer.from(req.newText, 'utf8').toString('base64'),
      ...(existing ? { sha: existing.sha } : {}),
    }),
  );
  log.info(`committed ${plan.pinPath} to ${plan.branch}`);
}

/** Performs the bump described by plan (after enforceRouting). */
export async function applyBump(
  gh: GitHubClient,
  req: BumpRequest,
  plan: BumpPlan,
  log: Logger,
): Promise<BumpResult> {
  const { owner, repo } = req;
  if (plan.alreadyPinned) {
    log.info(`${plan.pinPath} on ${plan.base} already pins ${req.newPin.tag}: nothing to do`);
    return { outcome: 'already-pinned' };
  }
  let pull = await findOpenPull(gh, req, plan);
  const onBranch = pull ? await readFile(gh, req, plan.pinPath, plan.branch) : undefined;
  const branchCurrent = onBranch !== undefined && onBranch.text === req.newText;
  let changed = false;
  let opened = false;
  let reviewRequestFailed = false;

  if (branchCurrent) log.info(`${plan.branch} already has this ${plan.pinPath}`);
  else {
    await commitPin(gh, req, plan, log);
    changed = true;
  }

  if (pull) {
    if (pull.title !== plan.title || (pull.body ?? '') !== plan.body) {
      const number = pull.number;
      await apiCall(`updating pull request #${number}`, plan.repository, 'pull-requests: write', () =>
        gh.rest.pulls.update({ owner, repo, pull_number: number, title: plan.title, body: plan.body }),
      );
      changed = true;
      log.info(`updated pull request #${number}: ${pull.html_url}`);
    }
  } else {
    const res = await apiCall('opening the pull request', plan.repository, 'pull-requests: write', () =>
      gh.rest.pulls.create({
        owner,
        repo,
        head: plan.branch,
        base: plan.base,
        title: plan.title,
        body: plan.body,
        maintainer_can_modify: true,
      }),
    );
    pull = {
      number: res.data.number,
      html_url: res.data.html_url,
      title: res.data.title,
      body: res.data.body,
      labels: [],
      teams: [],
    };
    opened = true;
    log.info(`opened pull request #${pull.number}: ${pull.html_url}`);
  }

  const retry = {
    attempts: 4,
    delayMs: req.retryDelayMs ?? 2000,
    onRetry: (n: number, err: unknown) =>
      log.warn(`GitHub answered 422 (${apiMessage(err)}); retrying (attempt ${n + 1})`),
  };
  const number = pull.number;
  const current = pull;
  const missingLabels = plan.labels.filter((l) => !current.labels.includes(l));
  if (missingLabels.length > 0) {
    await apiCall(`labelling pull request #${number}`, plan.repository, 'pull-requests: write', () =>
      retryOn422(
        () => gh.rest.issues.addLabels({ owner, repo, issue_number: number, labels: missingLabels }),
        retry,
      ),
    );
    log.info(`labelled pull request #${number}: ${missingLabels.join(', ')}`);
    changed = true;
  }
  // Review is requested again whenever the proposed pin changed (a team that already reviewed
  // drops out of requested_teams); an unchanged PR is left alone.
  const missingTeams =
    opened || !branchCurrent
      ? plan.teamReviewers.filter((t) => !current.teams.some((s) => s.toLowerCase() === t.toLowerCase()))
      : [];
  if (missingTeams.length > 0) {
    try {
      await apiCall(
        `requesting reviews on pull request #${number}`,
        plan.repository,
        'pull-requests: write',
        () =>
          retryOn422(
            () =>
              gh.rest.pulls.requestReviewers({
                owner,
                repo,
                pull_number: number,
                team_reviewers: missingTeams,
              }),
            retry,
          ),
      );
      log.info(`requested review from ${missingTeams.map((t) => `@${owner}/${t}`).join(', ')}`);
      changed = true;
    } catch (err) {
      if (httpStatus(err) !== 422) throw err;
      // The pull request exists and CODEOWNERS still applies; do not fail the whole bump for this.
      log.warn(
        `could not request review from ${missingTeams.map((t) => `@${owner}/${t}`).join(', ')} on #${number} (${apiMessage(err)}): the team needs write access to ${plan.repository}`,
      );
      reviewRequestFailed = true;
    }
  }
  if (!changed) log.info(`pull request #${number} already proposes ${req.newPin.tag}: nothing to do`);
  return {
    outcome: opened ? 'created' : changed ? 'updated' : 'up-to-date',
    pullNumber: number,
    pullUrl: pull.html_url,
    reviewRequestFailed,
  };
}
