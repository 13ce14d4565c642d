import * as core from '@actions/core';
import { CommandContext, CommandHandler } from '../core/context';
import { CommandName, normaliseOptions, OPTION_SPECS, optionsFor, RawOptions } from '../core/options';
import { findCommand, COMMANDS } from '../commands/registry';
import { explainNetworkFailure } from '../github/errors';
import { errorMessage } from '../util/errors';
import { Logger } from '../util/logger';

/**
 * The action's front door. action.yml is a composite action; its step passes every input as an
 * environment variable PGB_INPUT_<NAME> (composite actions do not export INPUT_*), and this maps
 * them onto the same options table the CLI uses.
 */
/** The command the action runs when the `command` input is empty. */
export const DEFAULT_ACTION_COMMAND = 'build';

export function inputEnvName(input: string): string {
  return `PGB_INPUT_${input.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function readInputs(command: CommandName, env: NodeJS.ProcessEnv): RawOptions {
  const raw: RawOptions = {};
  for (const spec of optionsFor(command)) {
    const value = env[inputEnvName(spec.input)];
    if (value !== undefined && value !== '') raw[spec.key] = value;
  }
  return normaliseOptions(command, raw);
}

/**
 * Messages are written in the CLI's words; in the action they name the inputs instead
 * (`--pin-file <path>` → input `pin-file`), since that is what the workflow author sets.
 */
export function inInputTerms(message: string): string {
  let text = message;
  for (const spec of OPTION_SPECS) {
    const flag = spec.flag.split(' ')[0];
    text = text.replace(
      new RegExp(`(?<![\\w-])${flag}(?![\\w-])( <[^>]*>)?`, 'g'),
      `input \`${spec.input}\``,
    );
  }
  return text;
}

/** core.group must not be nested (nested groups break log folding): only the outermost step opens one. */
export class ActionsLogger implements Logger {
  private depth = 0;
  info = (m: string) => core.info(m);
  warn = (m: string) => core.warning(inInputTerms(m));
  error = (m: string) => core.error(inInputTerms(m));
  debug = (m: string) => core.debug(m);
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) {
      core.info(`-- ${name}`);
      return fn();
    }
    this.depth++;
    try {
      return await core.group(name, fn);
    } finally {
      this.depth--;
    }
  }
}

/** Command handlers by name; tests replace some (e.g. `run` with prebuilt build and verify stages). */
export type Handlers = Partial<Record<CommandName, CommandHandler>>;

export async function runAction(
  env: NodeJS.ProcessEnv = process.env,
  handlers: Handlers = {},
): Promise<void> {
  const name = env[inputEnvName('command')] || DEFAULT_ACTION_COMMAND;
  const entry = findCommand(name);
  if (!entry) {
    core.setFailed(`unknown command '${name}': use one of ${COMMANDS.map((c) => c.name).join(', ')}`);
    return;
  }
  const ctx: CommandContext = {
    log: new ActionsLogger(),
    args: (env[inputEnvName('args')] ?? '').split(/\s+/).filter(Boolean),
    setOutput: (n, v) => core.setOutput(n, v),
    addSummary: async (markdown) => {
      await core.summary.addRaw(markdown, true).write();
    },
    setSecret: (v) => core.setSecret(v),
  };
  try {
    const options = readInputs(entry.name, env);
    for (const spec of optionsFor(entry.name)) {
      const v = options[spec.key];
      if (spec.secret && typeof v === 'string') core.setSecret(v);
    }
    const handler = handlers[entry.name] ?? entry.handler;
    const code = await handler(options, ctx);
    if (code !== 0) core.setFailed(`pg-bundle ${entry.name} failed (exit code ${code})`);
  } catch (err) {
    core.setFailed(inInputTerms(errorMessage(explainNetworkFailure(err) ?? err)));
  }
}
