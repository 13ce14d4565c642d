/** The commands of both front doors, and what describes one of their options. */

/** Every command of both front doors. */
export const COMMAND_NAMES = [
  'build',
  'verify',
  'publish',
  'fetch',
  'pin-bump',
  'run',
  'doctor',
  'rebuild-check',
  'outdated',
  'compare',
  'compatibility-status',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface OptionSpec {
  /** camelCase key in the parsed options object */
  key: string;
  /** CLI flag, e.g. "--pg <versions>" */
  flag: string;
  /** action.yml input name */
  input: string;
  description: string;
  kind: 'string' | 'boolean' | 'list';
  default?: string | boolean;
  commands: readonly CommandName[];
  /** true for secrets: masked and never printed */
  secret?: boolean;
}
