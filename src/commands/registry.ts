import { buildCommand } from '../compile/command';
import { fetchCommand } from '../fetch/command';
import { publishCommand } from '../publish/command';
import { pinBumpCommand } from '../pin-bump/command';
import { verifyCommand } from '../verify/command';
import { doctorOrPackages } from './doctor';
import { runCommand } from './run';
import { outdatedCommand } from '../outdated/command';
import { rebuildCheckCommand } from '../rebuild-check/command';
import { compareCommand } from '../compare/command';
import { compatibilityStatusCommand } from '../pin-bump/compatibility-status';
import { CommandHandler } from '../core/context';
import { CommandName } from '../core/option-spec';

export interface CommandEntry {
  name: CommandName;
  summary: string;
  /** positional arguments, in commander syntax */
  args?: string;
  /** what the positional arguments are (the action's `args` input) */
  argsHelp?: string;
  handler: CommandHandler;
}

/** The commands both front doors offer. */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'doctor',
    summary:
      'check (and with --install-deps install) what build and verify need from the machine; --print-packages lists the Debian packages',
    handler: doctorOrPackages,
  },
  {
    name: 'build',
    summary: 'build a static bundle per PostgreSQL major version into <out>/vNN',
    handler: buildCommand,
  },
  {
    name: 'verify',
    summary:
      'prove a bundle hermetic and conformant (ELF audit, empty root, initdb, walredo); exit 0 only when every check passes',
    args: '[bundle-dir]',
    argsHelp: 'the bundle directory (default: the out directory)',
    handler: verifyCommand,
  },
  {
    name: 'publish',
    summary:
      'publish the bundle as a GitHub Release (tarball, SHA256SUMS, manifest.json); idempotent; --dry-run writes the assets under <out>/publish',
    args: '[artifact-dirs...]',
    argsHelp:
      'artifact directories downloaded from the build jobs, each with manifest.json and vNN/ (default: the out directory)',
    handler: publishCommand,
  },
  {
    name: 'pin-bump',
    summary:
      'open or update the pull request that moves the consumer repo pin file to this release (CODEOWNERS-routed), with the old and the new bundle compared in its Risk section and the pg-bundle/compatibility status on it; --dry-run prints it',
    handler: pinBumpCommand,
  },
  {
    name: 'compatibility-status',
    summary:
      'set the pg-bundle/compatibility status of a pin-bump pull request again from the result pin-bump stored in it and its labels (compatibility-accepted: success); for a workflow on pull_request labeled/unlabeled',
    handler: compatibilityStatusCommand,
  },
  {
    name: 'run',
    summary: 'the whole job: build, verify, publish, pin-bump (publish and pin-bump honour --dry-run)',
    handler: runCommand,
  },
  {
    name: 'fetch',
    summary:
      'download the bundle a pin file names, check it and unpack it into a pg_distrib_dir-shaped <out>',
    handler: fetchCommand,
  },
  {
    name: 'rebuild-check',
    summary:
      "rebuild each version from the inputs its manifest records and compare every file's sha256 and size; names the toolchain differences; exit 0 only when all files are identical",
    args: '[bundle-dir-or-pin-file]',
    argsHelp:
      'the bundle directory to check, or a pin file whose bundle is fetched (and checked) first (default: the out directory; none with --repository and --tag, which name a release to fetch and check)',
    handler: rebuildCheckCommand,
  },
  {
    name: 'compare',
    summary:
      "run two bundles side by side per major: collation order of a 100,000-string corpus, the old server's indexes under the new server (amcheck), initdb catalog rows and pg_control, walredo pages; exit 0 only when all was measured and nothing differs",
    args: '<old> <new>',
    argsHelp:
      'the old and the new bundle: each a bundle directory, a pin file or a release as owner/name@tag',
    handler: compareCommand,
  },
  {
    name: 'outdated',
    summary:
      'compare the recorded linked-in libraries and PostgreSQL version with what apt and the sources offer now; exit 1 when a rebuild would pick up something newer (each change old → new)',
    args: '[bundle-dir]',
    argsHelp: 'the bundle directory (default: the out directory)',
    handler: outdatedCommand,
  },
];

/** The `command` input's description: every command of the registry. */
export function commandInputDescription(): string {
  return `what to run: ${COMMANDS.map((c) => c.name).join(', ')} (run: build, verify, publish and pin-bump in order)`;
}

/** The `args` input's description: the positional arguments of the commands that take any. */
export function argsInputDescription(): string {
  const taking = COMMANDS.filter((c) => c.args);
  return `positional arguments, separated by white space (${taking.map((c) => `${c.name} ${c.args}: ${c.argsHelp}`).join('; ')})`;
}

/** The commands that take positional arguments. */
export function commandsWithArgs(): CommandName[] {
  return COMMANDS.filter((c) => c.args).map((c) => c.name);
}

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
