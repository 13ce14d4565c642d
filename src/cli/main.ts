import { Command, CommanderError, Option } from 'commander';
import { CommandContext } from '../core/context';
import { normaliseOptions } from '../core/normalise-options';
import { optionsFor, RawOptions } from '../core/options';
import { COMMANDS } from '../commands/registry';
import { explainNetworkFailure } from '../github/errors';
import { CommandError, UserError } from '../util/errors';
import { ConsoleLogger } from '../util/logger';
import { redactor } from '../util/redact';
import { packageVersion } from '../util/package-root';
import { withoutWorkflowCommands } from '../util/log-text';

/** Every secret the CLI has seen (options marked secret, tokens in the environment, setSecret). */
const secrets: string[] = [];
const redact = (text: string): string => redactor(secrets)(text);

function cliContext(args: string[], verbose: boolean): CommandContext {
  const log = new ConsoleLogger(verbose, (line) => process.stderr.write(redact(line) + '\n'));
  return {
    log,
    args,
    setOutput: (name, value) => process.stdout.write(`${name}=${redact(value)}\n`),
    addSummary: async (markdown) => {
      process.stderr.write(withoutWorkflowCommands(redact(markdown)) + '\n');
    },
    setSecret: (value) => {
      if (value) secrets.push(value);
    },
  };
}

export function buildProgram(): Command {
  const program = new Command('pg-bundle')
    .description('Build, verify, publish and pin a hermetic static PostgreSQL bundle for a storage service')
    .version(packageVersion())
    .showHelpAfterError()
    .exitOverride();
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.name + (entry.args ? ` ${entry.args}` : '')).description(entry.summary);
    for (const spec of optionsFor(entry.name)) {
      const option = new Option(spec.flag, spec.description);
      if (spec.default !== undefined && spec.kind !== 'boolean') option.default(spec.default);
      cmd.addOption(option);
    }
    cmd.action(async (...params: unknown[]) => {
      const command = params[params.length - 1] as Command;
      const raw = command.opts() as RawOptions;
      for (const spec of optionsFor(entry.name)) {
        const value = raw[spec.key];
        if (spec.secret && typeof value === 'string' && value) secrets.push(value);
      }
      const options = normaliseOptions(entry.name, raw);
      const ctx = cliContext(command.args, options.verbose === true);
      process.exitCode = await entry.handler(options, ctx);
    });
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  for (const name of ['GITHUB_TOKEN', 'GH_TOKEN'])
    if (process.env[name]) secrets.push(process.env[name] as string);
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (caught) {
    // by class, not by `code`: Octokit's errors have a deprecated `code` getter that prints a warning
    if (caught instanceof CommanderError)
      return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(caught.code) ? 0 : 2;
    // a GitHub request that got no answer, outside the calls that explain their own failures
    const err = explainNetworkFailure(caught) ?? caught;
    if (err instanceof UserError) {
      process.stderr.write(`${withoutWorkflowCommands(`error: ${redact(err.message)}`)}\n`);
      return 2;
    }
    if (err instanceof CommandError) {
      process.stderr.write(`${withoutWorkflowCommands(`error: ${redact(err.message)}`)}\n`);
      return 1;
    }
    process.stderr.write(
      `${withoutWorkflowCommands(`error: ${redact((err as Error).stack ?? String(err))}`)}\n`,
    );
    return 1;
  }
}
