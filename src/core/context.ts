import { Logger } from '../util/logger';
import { OptionKey, RawOptions } from './options';

/** What a command can report back to its front door (action outputs, job summary). */
export interface CommandContext {
  log: Logger;
  /** Positional arguments (e.g. verify's bundle directory). */
  args: string[];
  /** Sets an output: an action output, or a line on the CLI's stdout. */
  setOutput(name: string, value: string): void;
  /** Appends Markdown to the job summary (action) or prints it (CLI). */
  addSummary(markdown: string): Promise<void>;
  /** Marks a value as secret so that it is never printed. */
  setSecret(value: string): void;
}

/** A command's implementation: returns the process exit code. */
export type CommandHandler = (options: RawOptions, ctx: CommandContext) => Promise<number>;

export function stringOption(options: RawOptions, key: OptionKey): string | undefined {
  const v = options[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function listOption(options: RawOptions, key: OptionKey): string[] {
  const v = options[key];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' && v) return [v];
  return [];
}

export function boolOption(options: RawOptions, key: OptionKey): boolean {
  return options[key] === true;
}
