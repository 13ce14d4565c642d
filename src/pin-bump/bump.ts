/**
 * The pin bump against GitHub's REST API (the network edge). Reading (plan) and writing (apply) are
 * separate so that --dry-run can show the plan with a read-only token.
 *
 * Idempotent like the best update bots: one fixed branch recreated from the default branch plus the
 * new pin file; an open PR from that branch is updated instead of opening another; nothing is written
 * when the default branch already pins this release or the open PR already proposes exactly this.
 */
import { GitHubClient } from '../github/client';
import { apiCall, apiMessage, explainGitHubError, httpStatus } from '../github/errors';
import { DEFAULT_RETRY, RetryPolicy, transient422Decision, withRetries } from '../github/retry';
import { Logger } from '../util/logger';
import { UserError } from '../util/errors';
import {
  chooseCodeownersFile,
  CodeownersProblem,
  CODEOWNERS_LOCATIONS,
  ownersOf,
  parseCodeowners,
} from './codeowners';
import { DEFAULT_PIN_PATH } from '../pin/path';
import { isOlderRelease, measuredSha256, pinnedPlatforms, samePinnedRelease } from '../pin/pinned';
import { parsePin } from '../pin/read';
import { PinFile } from '../pin/types';
import { serialisePin } from '../pin/write';
import { sha256 } from '../util/hash';
import { pinDiff } from '../pin/diff';
import { readFile, RemoteFile } from './remote-file';
import { prTitle, renderPrBody } from './pr-body';
import { analyseRisk, ManifestSet, RiskItem } from './risk';
import { CompatibilityResult, notMeasured } from './compatibility';
import { checkRouting, RoutingResult, teamSlugs } from './routing';
import { unmetRequirements } from '../pin/walredo-dialect';

export type { GitHubClient };

export const BUMP_BRANCH = 'pg-bundle/bump';

/**
 * The bump branch of one pin file, so that two pin files never share a pull request: the default pin
 * path keeps `pg-bundle/bump` (open pull requests of earlier versions stay the ones updated); any other
 * path gets `pg-bundle/bump-<path as letters, digits and dashes>-<8 hex of its sha256>` (unique per path,
 * a valid ref name, and beside `pg-bundle/bump` rather than below it, which git would refuse).
 */
export function bumpBranch(pinPath: string): string {
  if (pinPath === DEFAULT_PIN_PATH) return BUMP_BRANCH;
  const slug = pinPath
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80);
  return `${BUMP_BRANCH}-${slug}-${sha256(pinPath).slice(0, 8)}`;
}

export interface BumpRequest {
  owner: string;
  repo: string;
  pinPath: string;
  newPin: PinFile;
  newText: string;
  /** `@org/team`; without it the routing check only reports the owners */
  storageTeam?: string;
  allowUnrouted: boolean;
  /** replace a pin with an older release (default: refuse) */
  allowOlder?: boolean;
  labels: string[];
  branch?: string;
  conformanceUrl?: string;
  /**
   * the old and new releases' manifests (one per platform), when known: their linked-in library
   * changes and the new one's cross-architecture results join the Risk section
   */
  manifests?: { old?: ManifestSet; new?: ManifestSet };
  /** retries of GitHub's transient 422 (default DEFAULT_RETRY) */
  retry?: RetryPolicy;
  /** measures the old pin's bundle against the new one (compare); its table joins the Risk section */
  measure?: (oldPin: PinFile | undefined, newPin: PinFile) => Promise<CompatibilityResult>;
}

export interface BumpPlan {
  repository: string;
  base: string;
  branch: string;
  pinPath: string;
  oldText?: string;
  oldSha?: string;
  oldPin?: PinFile;
  /** the pin to commit: the request's, with the consumer's requirements kept from the old pin */
  newText: string;
  alreadyPinned: boolean;
  title: string;
  body: string;
  diff: string;
  risks: RiskItem[];
  compatibility?: CompatibilityResult;
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
  /** a new pin was committed to the bump branch (the pull request proposes another bundle than before) */
  pinCommitted?: boolean;
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

/** The pin file on the base branch, parsed; a pin that does not follow the schema becomes a note. */
async function readOldPin(
  gh: GitHubClient,
  req: BumpRequest,
  base: string,
  log: Logger,
): Promise<{ old?: RemoteFile; oldPin?: PinFile; notes: string[] }> {
  const old = await readFile(gh, req, req.pinPath, base);
  if (!old) {
    log.info(`${req.pinPath} does not exist on ${base} yet: this is the first pin`);
    return { notes: [] };
  }
  try {
    return { old, oldPin: parsePin(old.text, `${req.pinPath} on ${base}`), notes: [] };
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    // the storage team's requirements must never be dropped because their pin is malformed
    if (/"requires"\s*:/.test(old.text))
      throw new UserError(
        `${req.pinPath} on ${base} states requirements ("requires") but does not follow the pin file schema: ${why}`,
        'fix the pin file on the default branch (see docs/pin-file.md) so its requirements can be kept, then bump again',
      );
    log.warn(`${why}; it will be replaced`);
    return {
      old,
      notes: [
        `The previous ${req.pinPath} did not follow the pin file schema, so nothing could be compared: ${why}`,
      ],
    };
  }
}

/** The CODEOWNERS file GitHub uses on `base` (the first one found), and the routing check against it. */
async function readRouting(
  gh: GitHubClient,
  req: BumpRequest,
  base: string,
  log: Logger,
): Promise<{ routing?: RoutingResult; teamReviewers: string[] }> {
  const found: Partial<Record<(typeof CODEOWNERS_LOCATIONS)[number], RemoteFile>> = {};
  for (const path of CODEOWNERS_LOCATIONS) {
    const file = await readFile(gh, req, path, base);
    if (file) {
      found[path] = file;
      break; // GitHub uses the first one it finds
    }
  }
  const codeowners = chooseCodeownersFile(found);
  if (!req.storageTeam) {
    const owners = codeowners ? ownersOf(parseCodeowners(codeowners.content.text), req.pinPath).owners : [];
    return { teamReviewers: teamSlugs(owners) };
  }
  const remoteProblems = codeowners ? await remoteCodeownersProblems(gh, req, base, log) : undefined;
  const routing = checkRouting({
    codeowners: codeowners && { path: codeowners.path, text: codeowners.content.text },
    remoteProblems,
    pinPath: req.pinPath,
    storageTeam: req.storageTeam,
  });
  return { routing, teamReviewers: routing.teamReviewers };
}

interface PlanFacts {
  base: string;
  old?: RemoteFile;
  oldPin?: PinFile;
  compatibility?: CompatibilityResult;
  notes: string[];
  routing?: RoutingResult;
  teamReviewers: string[];
}

/**
 * The new pin keeps the consumer's requirements (`requires`, written by the storage team); a
 * release that does not meet them is refused, naming each difference (pure).
 */
export function pinWithRequirements(newPin: PinFile, oldPin: PinFile | undefined, where: string): PinFile {
  const requires = oldPin?.requires;
  if (!requires) return newPin;
  const unmet = pinnedPlatforms(newPin).flatMap((p) =>
    unmetRequirements(newPin.platforms[p].versions, requires.walredo).map((u) =>
      pinnedPlatforms(newPin).length > 1 ? `${p}: ${u}` : u,
    ),
  );
  if (unmet.length > 0)
    throw new UserError(
      `${newPin.tag} does not provide what ${where} requires: ${unmet.join('; ')}`,
      "publish a bundle built for the storage service's WAL (e.g. from its fork's tree with --walredo fork and the fork's modules), or change \"requires\" in the pin file in a reviewed pull request",
    );
  return { ...newPin, requires };
}

/** The plan from what was read (pure). */
function composePlan(req: BumpRequest, facts: PlanFacts): BumpPlan {
  const { old, oldPin, notes } = facts;
  const newPin = pinWithRequirements(req.newPin, oldPin, `${req.pinPath} on ${facts.base}`);
  const newText = serialisePin(newPin);
  const risks = analyseRisk(oldPin, newPin, req.manifests);
  return {
    repository: `${req.owner}/${req.repo}`,
    base: facts.base,
    branch: req.branch ?? bumpBranch(req.pinPath),
    pinPath: req.pinPath,
    oldText: old?.text,
    oldSha: old?.sha,
    oldPin,
    newText,
    alreadyPinned: oldPin !== undefined && samePinnedRelease(oldPin, newPin),
    title: prTitle(newPin),
    body: renderPrBody({
      oldPin,
      newPin,
      pinPath: req.pinPath,
      risks,
      conformanceUrl: req.conformanceUrl,
      notes,
      compatibility: facts.compatibility,
      manifests: req.manifests?.new,
    }),
    diff: pinDiff(req.pinPath, old?.text, newText),
    risks,
    compatibility: facts.compatibility,
    routing: facts.routing,
    teamReviewers: facts.teamReviewers,
    labels: req.labels,
    notes,
  };
}

/**
 * Reads what the bump needs and decides what it would do; writes nothing. Without a client (a dry
 * run with no token or no consumer repository) the change is shown as a first pin.
 */
export async function planBump(
  gh: GitHubClient | undefined,
  req: BumpRequest,
  log: Logger,
): Promise<BumpPlan> {
  if (!gh) {
    const why = 'a dry run reads no current pin, so there is no old bundle to compare with';
    const compatibility = notMeasured({ pin: req.pinPath, new: measuredSha256(req.newPin) }, why);
    return composePlan(req, { base: '(default branch)', notes: [], teamReviewers: [], compatibility });
  }
  const repository = `${req.owner}/${req.repo}`;
  const repoInfo = await apiCall('reading the repository', repository, 'metadata: read', () =>
    gh.rest.repos.get({ owner: req.owner, repo: req.repo }),
  );
  const base = repoInfo.data.default_branch;
  log.info(`${repository}: default branch ${base}`);
  const pin = await readOldPin(gh, req, base, log);
  const routing = await readRouting(gh, req, base, log);
  // nothing to measure when the base already pins this release, or the routing check will fail
  const same = pin.oldPin !== undefined && samePinnedRelease(pin.oldPin, req.newPin);
  const unrouted = routing.routing?.routed === false && !req.allowUnrouted;
  const compatibility = same || unrouted ? undefined : await req.measure?.(pin.oldPin, req.newPin);
  return composePlan(req, { base, ...pin, ...routing, compatibility });
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

/** What the writing steps of a bump work with. */
interface Bump {
  gh: GitHubClient;
  req: BumpRequest;
  plan: BumpPlan;
  log: Logger;
}

async function findOpenPull({ gh, req, plan }: Bump): Promise<OpenPull | undefined> {
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
async function commitPin({ gh, req, plan, log }: Bump): Promise<void> {
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
async function openPull({ gh, req, plan, log }: Bump): Promise<OpenPull> {
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
async function updatePull({ gh, req, plan, log }: Bump, pull: OpenPull): Promise<boolean> {
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
async function addMissingLabels({ gh, req, plan, log }: Bump, pull: OpenPull): Promise<boolean> {
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
async function requestMissingReviews(
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

/**
 * Refuses to move a pin backwards (a re-run of an old job, or two bump jobs racing) unless
 * allowOlder: `current` is the pin on the default branch or the one the open bump PR proposes.
 */
function refuseOlder(req: BumpRequest, current: PinFile | undefined, where: string, log: Logger): void {
  if (!current || samePinnedRelease(current, req.newPin)) return;
  const older = isOlderRelease(current, req.newPin);
  if (older === undefined) {
    log.warn(
      `${where} pins ${current.tag} without releasedAt: cannot tell whether ${req.newPin.tag} is newer`,
    );
    return;
  }
  if (!older) return;
  const message = `${req.newPin.tag} (released ${req.newPin.releasedAt}) is older than ${current.tag} (released ${current.releasedAt}), which ${where} pins`;
  if (req.allowOlder) log.warn(`${message}; replacing it (--allow-older)`);
  else
    throw new UserError(
      message,
      'nothing was changed; pass --allow-older to pin the older release on purpose',
    );
}

function parsedOrUndefined(text: string | undefined, what: string): PinFile | undefined {
  if (text === undefined) return undefined;
  try {
    return parsePin(text, what);
  } catch {
    return undefined;
  }
}

/** Performs the bump described by plan (after enforceRouting). */
export async function applyBump(
  gh: GitHubClient,
  req: BumpRequest,
  plan: BumpPlan,
  log: Logger,
): Promise<BumpResult> {
  if (plan.alreadyPinned) {
    log.info(`${plan.pinPath} on ${plan.base} already pins ${req.newPin.tag}: nothing to do`);
    return { outcome: 'already-pinned' };
  }
  refuseOlder(req, plan.oldPin, `${plan.pinPath} on ${plan.base}`, log);
  const bump: Bump = { gh, req, plan, log };
  const existing = await findOpenPull(bump);
  const onBranch = existing ? await readFile(gh, req, plan.pinPath, plan.branch) : undefined;
  const proposed = parsedOrUndefined(onBranch?.text, `${plan.pinPath} on ${plan.branch}`);
  refuseOlder(req, proposed, `the open pull request #${existing?.number ?? ''}`, log);
  const branchCurrent = onBranch !== undefined && onBranch.text === plan.newText;
  if (branchCurrent) log.info(`${plan.branch} already has this ${plan.pinPath}`);
  else await commitPin(bump);
  const pull = existing ?? (await openPull(bump));
  const opened = existing === undefined;
  const updated = existing ? await updatePull(bump, existing) : false;
  const labelled = await addMissingLabels(bump, pull);
  // Review is requested again whenever the proposed pin changed (a team that already reviewed
  // drops out of requested_teams); an unchanged PR is left alone.
  const reviews = opened || !branchCurrent ? await requestMissingReviews(bump, pull) : undefined;
  const changed = !branchCurrent || updated || labelled || reviews?.changed === true;
  if (!changed) log.info(`pull request #${pull.number} already proposes ${req.newPin.tag}: nothing to do`);
  return {
    outcome: opened ? 'created' : changed ? 'updated' : 'up-to-date',
    pullNumber: pull.number,
    pullUrl: pull.html_url,
    pinCommitted: !branchCurrent,
  };
}
