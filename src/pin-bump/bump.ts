/**
 * The pin bump against GitHub's REST API (the network edge). Reading (plan) and writing (apply) are
 * separate so that --dry-run can show the plan with a read-only token.
 *
 * Idempotent like the best update bots: one fixed branch recreated from the default branch plus the
 * new pin file; an open PR from that branch is updated instead of opening another; nothing is written
 * when the default branch already pins this release or the open PR already proposes exactly this.
 */
import { GitHubClient } from '../github/client';
import { apiCall } from '../github/errors';
import { measuredSha256, isOlderRelease, pinnedPlatforms, samePinnedRelease } from '../pin/pinned';
import { pinDiff } from '../pin/diff';
import { parsePin } from '../pin/read';
import { PinFile } from '../pin/types';
import { unmetRequirements } from '../pin/walredo-dialect';
import { serialisePin } from '../pin/write';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import { readOldPin, readRouting } from './base-branch';
import { CompatibilityResult, notMeasured } from './compatibility';
import { prTitle, renderPrBody } from './pr-body';
import {
  addMissingLabels,
  Bump,
  commitPin,
  findOpenPull,
  openPull,
  requestMissingReviews,
  updatePull,
} from './pull-request';
import { readFile, RemoteFile } from './remote-file';
import { BumpPlan, BumpRequest, BumpResult, bumpBranch } from './request';
import { analyseRisk } from './risk';
import { RoutingResult } from './routing';

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
