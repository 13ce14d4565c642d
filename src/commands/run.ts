import { buildCommand } from '../build/command';
import { pinBumpCommand } from '../pin-bump/command';
import { publishCommand } from '../publish/command';
import { verifyCommand } from '../verify/command';
import { CommandContext, CommandHandler, stringOption } from '../core/context';
import { normaliseOptions, RawOptions } from '../core/options';

/**
 * `pg-bundle run`: the whole job in order — build, verify (a failure stops here: an unverified
 * bundle is never published), publish, pin-bump. Each stage is the same code as its own command.
 */
export const runCommand: CommandHandler = async (options, ctx) => {
  const out = stringOption(options, 'out') ?? 'out';
  const stages: { name: string; handler: CommandHandler; options: RawOptions; args: string[] }[] = [
    { name: 'build', handler: buildCommand, options: normaliseOptions('build', options), args: [] },
    { name: 'verify', handler: verifyCommand, options: normaliseOptions('verify', options), args: [out] },
    { name: 'publish', handler: publishCommand, options: normaliseOptions('publish', options), args: [] },
    {
      name: 'pin-bump',
      handler: pinBumpCommand,
      options: {
        ...normaliseOptions('pin-bump', options),
        repository: stringOption(options, 'consumerRepository'),
      },
      args: [],
    },
  ];
  for (const stage of stages) {
    const stageCtx: CommandContext = { ...ctx, args: stage.args };
    const code = await ctx.log.step(`stage ${stage.name}`, () => stage.handler(stage.options, stageCtx));
    if (code !== 0) {
      ctx.log.error(`stage ${stage.name} failed (exit code ${code}); later stages were not run`);
      return code;
    }
  }
  return 0;
};
