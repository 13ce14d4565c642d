import { boolOption, CommandHandler } from '../core/context';
import {
  aptInstallLine,
  ensureToolchain,
  missingRequirements,
  REQUIREMENTS,
  VERIFY_REQUIREMENTS,
} from './toolchain';

/** `pg-bundle doctor`: lists what the machine lacks for build and verify; --install-deps installs it. */
export const doctorCommand: CommandHandler = async (options, ctx) => {
  const all = [...REQUIREMENTS, ...VERIFY_REQUIREMENTS];
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
