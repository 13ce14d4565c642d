import { boolOption, CommandHandler, stringOption } from '../core/context';
import { hostPlatform, Platform, platformByArch, PLATFORMS } from '../core/platform';
import { UserError } from '../util/errors';
import { crossRequirements } from './cross';
import {
  aptInstallLine,
  ensureToolchain,
  missingRequirements,
  Requirement,
  REQUIREMENTS,
  VERIFY_REQUIREMENTS,
} from './toolchain';

/** The platform `--arch` names (default: the machine's); one line naming the choices otherwise. */
export function targetPlatform(arch: string | undefined): Platform {
  const host = hostPlatform();
  if (arch === undefined) {
    if (!host)
      throw new UserError(
        `this machine (${process.arch}) is not a platform pg-bundle builds on`,
        'build on x86_64 or aarch64 Linux',
      );
    return host;
  }
  const p = platformByArch(arch);
  if (!p)
    throw new UserError(
      `--arch ${arch}: not an architecture pg-bundle builds for`,
      `pass one of ${PLATFORMS.map((x) => x.arch).join(', ')}`,
    );
  return p;
}

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
