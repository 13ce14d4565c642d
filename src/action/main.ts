import * as core from '@actions/core';
import { CommandContext } from '../core/context';
import { CommandName, normaliseOptions, optionsFor, RawOptions } from '../core/options';
import { findCommand, COMMANDS } from '../commands/registry';
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

class ActionsLogger implements Logger {
  info = (m: string) => core.info(m);
  warn = (m: string) => core.warning(m);
  error = (m: string) => core.error(m);
  debug = (m: string) => core.debug(m);
  step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return core.group(name, fn);
  }
}

export async function runAction(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const name = env[inputEnvName('command')] || DEFAULT_ACTION_COMMAND;
  const entry = findCommand(name);
  if (!entry) {
    core.setFailed(`unknown command '${name}': use one of ${COMMANDS.map((c) => c.name).join(', ')}`);
    return;
  }
  const options = readInputs(entry.name, env);
  for (const spec of optionsFor(entry.name)) {
    const v = options[spec.key];
    if (spec.secret && typeof v === 'string') core.setSecret(v);
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
    const code = await entry.handler(options, ctx);
    if (code !== 0) core.setFailed(`pg-bundle ${entry.name} failed (exit code ${code})`);
  } catch (err) {
    core.setFailed(errorMessage(err));
  }
}
