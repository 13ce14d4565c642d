import * as core from '@actions/core';
import { CommandContext, CommandHandler } from '../core/context';
import { normaliseOptions } from '../core/normalise-options';
import { CommandName } from '../core/option-spec';
import { OPTION_SPECS, optionsFor, RawOptions } from '../core/options';
import { findCommand, COMMANDS } from '../commands/registry';
import { explainNetworkFailure } from '../github/errors';
import { errorMessage } from '../util/errors';
import { withoutWorkflowCommands } from '../util/log-text';
import { redactor } from '../util/redact';
import { Logger } from '../util/logger';

/**
 * The action's front door. action.yml is a composite action; its step passes every input as an
 * environment variable PGB_INPUT_<NAME> (composite actions do not export INPUT_*), and this maps
 * them onto the same options table the CLI uses.
 */
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

/** How a message names an action input: by default as itself. */
export type InputWords = (input: string) => string;
const asInput: InputWords = (input) => `input \`${input}\``;

/**
 * Set by bundle.yml on the steps that run this action: its callers set bundle.yml's inputs and the
 * calling job's permissions, not the action's inputs, so messages name those.
 */
export const REUSABLE_WORKFLOW_ENV = 'PG_BUNDLE_REUSABLE_WORKFLOW';

/** The action's inputs as a caller of bundle.yml sets them (inputs of the same name are passed through). */
export const REUSABLE_WORKFLOW_WORDS: Record<string, string> = {
  token:
    "the token bundle.yml passes (publish: the calling job's `permissions:` block, `contents: write`; pin-bump: the `CONSUMER_TOKEN` secret, or the `pin-bump-app-id` input with the `PIN_BUMP_APP_PRIVATE_KEY` secret)",
  repository: 'the calling repository (bundle.yml publishes its releases there)',
  versions: 'bundle.yml input `versions`',
  source: 'bundle.yml input `source`',
  sha256: 'bundle.yml input `sha256`',
  modules: 'bundle.yml input `modules`',
  'icu-source': 'bundle.yml input `icu-source`',
  walredo: 'bundle.yml input `walredo`',
  tag: 'bundle.yml input `tag`',
  'make-latest': 'bundle.yml input `make-latest`',
  'consumer-repository': 'bundle.yml input `consumer-repository`',
  'storage-team': 'bundle.yml input `storage-team`',
  'api-url': 'GITHUB_API_URL (the runner sets it)',
};

export function inputWordsFor(env: NodeJS.ProcessEnv): InputWords {
  const workflow = env[REUSABLE_WORKFLOW_ENV];
  if (!workflow) return asInput;
  return (input) =>
    REUSABLE_WORKFLOW_WORDS[input] ??
    `pg-bundle's input \`${input}\` (set by ${workflow}; open an issue if you need to change it)`;
}

/**
 * Messages are written in the CLI's words; in the action they name the inputs instead
 * (`--pin-file <path>` → input `pin-file`), since that is what the workflow author sets.
 */
export function inInputTerms(message: string, words: InputWords = asInput): string {
  let text = message;
  for (const spec of OPTION_SPECS) {
    const flag = spec.flag.split(' ')[0];
    text = text.replace(new RegExp(`(?<![\\w-])${flag}(?![\\w-])( <[^>]*>)?`, 'g'), () => words(spec.input));
  }
  return text;
}

/**
 * core.group must not be nested (nested groups break log folding): only the outermost step opens
 * one. With the `verbose` input, debug lines are printed (core.debug shows them only with the
 * runner's step debug logging).
 */
export class ActionsLogger implements Logger {
  private depth = 0;
  constructor(
    private readonly words: InputWords = asInput,
    private readonly verbose = false,
  ) {}
  info = (m: string) => core.info(withoutWorkflowCommands(m));
  warn = (m: string) => core.warning(inInputTerms(m, this.words));
  error = (m: string) => core.error(inInputTerms(m, this.words));
  debug = (m: string) => (this.verbose ? core.info(withoutWorkflowCommands(`debug: ${m}`)) : core.debug(m));
  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) {
      core.info(withoutWorkflowCommands(`-- ${name}`));
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

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Fails the step, and says why in the job summary too (where a failed run is looked at first). */
async function fail(what: string, message: string, secrets: string[]): Promise<void> {
  core.setFailed(message);
  const shown = redactor(secrets)(message);
  try {
    await core.summary.addRaw(`### ${what} failed\n\n<pre>${escapeHtml(shown)}</pre>\n`, true).write();
  } catch {
    // no job summary outside a runner (GITHUB_STEP_SUMMARY unset): the error above is enough
  }
}

export async function runAction(
  env: NodeJS.ProcessEnv = process.env,
  handlers: Handlers = {},
): Promise<void> {
  const words = inputWordsFor(env);
  const secrets: string[] = [];
  const name = env[inputEnvName('command')];
  const commands = COMMANDS.map((c) => c.name).join(', ');
  if (!name) return fail('pg-bundle', `input \`command\` is required: set it to one of ${commands}`, secrets);
  const entry = findCommand(name);
  if (!entry)
    return fail(
      'pg-bundle',
      `unknown command '${name}': set input \`command\` to one of ${commands}`,
      secrets,
    );
  const ctx: CommandContext = {
    log: new ActionsLogger(words, env[inputEnvName('verbose')] === 'true'),
    args: (env[inputEnvName('args')] ?? '').split(/\s+/).filter(Boolean),
    setOutput: (n, v) => core.setOutput(n, v),
    addSummary: async (markdown) => {
      await core.summary.addRaw(markdown, true).write();
    },
    setSecret: (v) => {
      secrets.push(v);
      core.setSecret(v);
    },
  };
  const what = `pg-bundle ${entry.name}`;
  try {
    const options = readInputs(entry.name, env);
    for (const spec of optionsFor(entry.name)) {
      const v = options[spec.key];
      if (spec.secret && typeof v === 'string') ctx.setSecret(v);
    }
    const handler = handlers[entry.name] ?? entry.handler;
    const code = await handler(options, ctx);
    if (code !== 0) await fail(what, `${what} failed (exit code ${code})`, secrets);
  } catch (err) {
    await fail(what, inInputTerms(errorMessage(explainNetworkFailure(err) ?? err), words), secrets);
  }
}
