import { boolOption, CommandHandler, stringOption } from '../core/context';
import { hostPlatform, Platform } from '../core/platform';
import { crossRequirements, targetPlatform } from './cross';
import {
  aptInstallLine,
  ensureToolchain,
  missingRequirements,
  Requirement,
  REQUIREMENTS,
  VERIFY_REQUIREMENTS,
} from './toolchain';

/** What build and verify need on this machine for bundles of `target` (pure given the host). */
export function requirementsFor(
  target: Platform,
  host: Platform | undefined = hostPlatform(),
): Requirement[] {
  const cross = host && target.id !== host.id ? crossRequirements(target) : [];
  return [...REQUIREMENTS, ...cross, ...VERIFY_REQUIREMENTS];
}

/** `pg-bundle doctor`: lists what the machine lacks for build and verify; --install-deps installs it. */
export const doctorCommand: CommandHandler = async (options, ctx) => {
  const all = requirementsFor(targetPlatform(stringOption(options, 'arch')));
  if (boolOption(options, 'installDeps')) await ensureToolchain(ctx.log, true, all);
  const missing = await missingRequirements(all);
  for (const r of all)
    ctx.log.info(
      `${missing.includes(r) ? (r.optional ? 'missing' : 'MISSING') : 'ok     '} ${r.what} (${r.name})`,
    );
  if (missing.some((r) => !r.optional)) {
    ctx.log.error(`run: ${aptInstallLine(missing)}   (or pass --install-deps)`);
    return 1;
  }
  return 0;
};
