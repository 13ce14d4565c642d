import { buildCommand } from '../build/command';
import { doctorCommand } from '../build/doctor';
import { fetchCommand, publishCommand } from '../publish/command';
import { pinBumpCommand } from '../pin-bump/command';
import { verifyCommand } from '../verify/command';
import { runCommand } from './run';
import { CommandHandler } from '../core/context';
import { CommandName } from '../core/options';

export interface CommandEntry {
  name: CommandName;
  summary: string;
  /** positional arguments, in commander syntax */
  args?: string;
  handler: CommandHandler;
}

/** The commands both front doors offer. */
export const COMMANDS: CommandEntry[] = [
  {
    name: 'doctor',
    summary: 'check (and with --install-deps install) what build and verify need from the machine',
    handler: doctorCommand,
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
    handler: verifyCommand,
  },
  {
    name: 'publish',
    summary:
      'publish the bundle as a GitHub Release (tarball, SHA256SUMS, manifest.json); idempotent; --dry-run writes the assets under <out>/publish',
    args: '[artifact-dirs...]',
    handler: publishCommand,
  },
  {
    name: 'pin-bump',
    summary:
      'open or update the pull request that moves the consumer repo pin file to this release (CODEOWNERS-routed); --dry-run prints it',
    handler: pinBumpCommand,
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
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
