/**
 * The routing check (pure): does CODEOWNERS send changes of the pin file to the storage team?
 * A pin bump changes which PostgreSQL, ICU and glibc the storage service runs, so its review must
 * land with the people who own on-disk compatibility.
 */
import {
  Codeowners,
  CodeownersProblem,
  CODEOWNERS_LOCATIONS,
  ownersOf,
  parseCodeowners,
  parseTeam,
  sameOwner,
} from './codeowners';

export interface RoutingInput {
  /** the CODEOWNERS file GitHub uses on the base branch, if any */
  codeowners?: { path: string; text: string };
  /** problems GitHub itself reports (codeowners/errors), when the API offered them */
  remoteProblems?: CodeownersProblem[];
  pinPath: string;
  /** `@org/team` */
  storageTeam: string;
}

export interface RoutingResult {
  routed: boolean;
  /** owners of the pin file according to the last matching rule */
  owners: string[];
  /** team slugs (without org) to request as reviewers */
  teamReviewers: string[];
  /** the line that routes the pin file to the storage team */
  lineToAdd: string;
  /** the rule that decided (for messages) */
  decidingRule?: { line: number; source: string };
  /** CODEOWNERS problems worth showing (syntax errors skip lines; GitHub's own list when available) */
  problems: CodeownersProblem[];
  /** one paragraph explaining the result; ends with the fix when not routed */
  message: string;
}

/** Problem kinds that make GitHub skip the line (an unknown owner only drops that owner). */
const SKIPPING_KINDS = new Set(['Invalid pattern', 'Invalid owner']);

export function validateStorageTeam(team: string): string | undefined {
  return parseTeam(team)
    ? undefined
    : `storage team ${JSON.stringify(team)} is not of the form @org/team-name`;
}

/** `/pageserver/postgres-bundle.json @org/storage`: anchored, so it cannot match anything else. */
export function routingLine(pinPath: string, storageTeam: string): string {
  return `/${pinPath.replace(/^\/+/, '')} ${storageTeam}`;
}

export function teamSlugs(owners: string[]): string[] {
  const slugs = owners.map((o) => parseTeam(o)?.slug).filter((s): s is string => s !== undefined);
  return [...new Set(slugs)];
}

export function checkRouting(input: RoutingInput): RoutingResult {
  const lineToAdd = routingLine(input.pinPath, input.storageTeam);
  if (!input.codeowners) {
    return {
      routed: false,
      owners: [],
      teamReviewers: [],
      lineToAdd,
      problems: input.remoteProblems ?? [],
      message: `The repository has no CODEOWNERS file (looked for ${CODEOWNERS_LOCATIONS.join(', ')} on the default branch), so nobody is asked to review ${input.pinPath}. Create .github/CODEOWNERS with this line:\n  ${lineToAdd}`,
    };
  }
  const parsed: Codeowners = parseCodeowners(input.codeowners.text);
  const problems = input.remoteProblems ?? parsed.problems;
  // GitHub skips lines with syntax errors; when it told us which, skip them too.
  const skipped = new Set(problems.filter((p) => SKIPPING_KINDS.has(p.kind)).map((p) => p.line));
  const effective: Codeowners = {
    rules: parsed.rules.filter((r) => !skipped.has(r.line)),
    problems: parsed.problems,
  };
  const ownership = ownersOf(effective, input.pinPath);
  const decidingRule = ownership.rule
    ? { line: ownership.rule.line, source: ownership.rule.source }
    : undefined;
  const where = input.codeowners.path;
  const unknownTeam = decidingRule
    ? problems.find(
        (p) =>
          p.line === decidingRule.line &&
          /unknown owner/i.test(p.kind) &&
          sameOwner(p.source.slice(p.column - 1).split(/\s/)[0], input.storageTeam),
      )
    : undefined;
  const routed = ownership.owners.some((o) => sameOwner(o, input.storageTeam)) && !unknownTeam;

  let message: string;
  if (routed) {
    message = `${input.pinPath} is owned by ${ownership.owners.join(' ')} (${where} line ${decidingRule?.line}: \`${decidingRule?.source}\`).`;
  } else if (unknownTeam && decidingRule) {
    message = `${where} line ${decidingRule.line} names ${input.storageTeam} for ${input.pinPath}, but GitHub reports it as an unknown owner: the team must exist, be visible and have write access to the repository, or GitHub will not request its review.`;
  } else {
    const now = decidingRule
      ? ownership.owners.length > 0
        ? `is owned by ${ownership.owners.join(' ')} (line ${decidingRule.line}: \`${decidingRule.source}\`)`
        : `is un-owned by line ${decidingRule.line} (\`${decidingRule.source}\`, a pattern without owners)`
      : 'matches no rule';
    message = `${where} does not route ${input.pinPath} to ${input.storageTeam}: the file ${now}. The last matching rule wins, so add this line at the end of ${where}:\n  ${lineToAdd}`;
  }
  const relevant = problems.filter((p) => p.line > 0);
  if (relevant.length > 0) {
    message += `\n${where} has ${relevant.length} invalid line(s), which GitHub skips:\n${relevant.map((p) => `  line ${p.line}: ${p.kind}: ${p.message} (\`${p.source.trim()}\`)`).join('\n')}`;
  }
  return {
    routed,
    owners: ownership.owners,
    teamReviewers: teamSlugs(ownership.owners),
    lineToAdd,
    decidingRule,
    problems: relevant,
    message,
  };
}
