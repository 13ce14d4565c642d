/** What the bump reads from the consumer's default branch: the current pin and the CODEOWNERS routing. */
import { GitHubClient } from '../github/client';
import { apiMessage, httpStatus } from '../github/errors';
import { parsePin } from '../pin/read';
import { PinFile } from '../pin/types';
import { UserError } from '../util/errors';
import { Logger } from '../util/logger';
import {
  chooseCodeownersFile,
  CodeownersProblem,
  CODEOWNERS_LOCATIONS,
  ownersOf,
  parseCodeowners,
} from './codeowners';
import { readFile, RemoteFile } from './remote-file';
import { BumpRequest } from './request';
import { checkRouting, RoutingResult, teamSlugs } from './routing';

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
export async function readOldPin(
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
export async function readRouting(
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
