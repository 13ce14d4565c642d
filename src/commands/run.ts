import { buildCommand } from '../compile/command';
import { pinBumpCommand } from '../pin-bump/command';
import { publishCommand } from '../publish/command';
import { verifyCommand } from '../verify/command';
import { boolOption, CommandContext, CommandHandler, stringOption } from '../core/context';
import { normaliseOptions } from '../core/normalise-options';
import { RawOptions } from '../core/options';
import { UserError } from '../util/errors';

/** The four stages `run` calls in order; tests replace build and verify with a prebuilt bundle. */
export interface RunStages {
  build: CommandHandler;
  verify: CommandHandler;
  publish: CommandHandler;
  pinBump: CommandHandler;
}

const STAGES: RunStages = {
  build: buildCommand,
  verify: verifyCommand,
  publish: publishCommand,
  pinBump: pinBumpCommand,
};

/**
 * `pg-bundle run`: the whole job in order — build, verify (a failure stops here: an unverified
 * bundle is never published), publish, pin-bump. Each stage is the same code as its own command;
 * `repository` is the release repository, `consumer-repository` the one whose pin moves.
 */
export function makeRunCommand(stages: RunStages = STAGES): CommandHandler {
  return async (options, ctx) => {
    const out = stringOption(options, 'out') ?? 'out';
    const consumer = stringOption(options, 'consumerRepository');
    // checked before the build, which takes minutes
    if (!consumer && !boolOption(options, 'dryRun'))
      throw new UserError(
        'run needs the consumer repository for its pin-bump stage',
        'pass --consumer-repository <owner/name> (the repository that pins the bundle), or --dry-run',
      );
    // without a consumer (a dry run), --repository (the release repository) must not stand in for it
    const bumpOptions = {
      ...normaliseOptions('pin-bump', options),
      ...(consumer ? {} : { repository: undefined }),
    };
    const run: { name: string; handler: CommandHandler; options: RawOptions; args: string[] }[] = [
      { name: 'build', handler: stages.build, options: normaliseOptions('build', options), args: [] },
      { name: 'verify', handler: stages.verify, options: normaliseOptions('verify', options), args: [out] },
      { name: 'publish', handler: stages.publish, options: normaliseOptions('publish', options), args: [] },
      { name: 'pin-bump', handler: stages.pinBump, options: bumpOptions, args: [] },
    ];
    for (const stage of run) {
      const stageCtx: CommandContext = { ...ctx, args: stage.args };
      const code = await ctx.log.step(`stage ${stage.name}`, () => stage.handler(stage.options, stageCtx));
      if (code !== 0) {
        ctx.log.error(`stage ${stage.name} failed (exit code ${code}); later stages were not run`);
        return code;
      }
    }
    return 0;
  };
}

export const runCommand: CommandHandler = makeRunCommand();
