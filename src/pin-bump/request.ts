/** What a pin bump is asked to do, what it plans and what it did; the bump branch of a pin file. */
import { RetryPolicy } from '../github/retry';
import { DEFAULT_PIN_PATH } from '../core/options';
import { PinFile } from '../pin/types';
import { sha256 } from '../util/hash';
import { CompatibilityResult } from './compatibility';
import { ManifestSet, RiskItem } from './risk';
import { RoutingResult } from './routing';

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
