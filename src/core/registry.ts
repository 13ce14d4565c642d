import { buildCommand } from '../build/command';
import { doctorCommand } from '../build/doctor';
import { CommandHandler } from './context';
import { CommandName } from './options';

export interface CommandEntry {
  name: CommandName;
  summary: string;
  /** positional arguments, in commander syntax */
  args?: string;
  handler: CommandHandler;
}

/** The commands both front doors offer. */
export const COMMANDS: CommandEntry[] = [
  { name: 'doctor', summary: 'check (and with --install-deps install) what build and verify need from the machine', handler: doctorCommand },
  { name: 'build', summary: 'build a static bundle per PostgreSQL major version into <out>/vNN', handler: buildCommand },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
