import { boolOption, CommandHandler, stringOption } from '../core/context';
import { doctorCommand, requirementsFor } from '../doctor/doctor';
import { archOption, Platform } from '../core/platform';

/** The Debian packages that provide everything build and verify need (for `target`), sorted. */
export function requiredPackages(target: Platform = archOption(undefined)): string[] {
  return [...new Set(requirementsFor(target).map((r) => r.debianPackage))].sort();
}

/**
 * `pg-bundle doctor`; with --print-packages it only prints the package list (output `packages`),
 * which test/run-all.sh installs instead of keeping its own copy.
 */
export const doctorOrPackages: CommandHandler = async (options, ctx) => {
  if (!boolOption(options, 'printPackages')) return doctorCommand(options, ctx);
  ctx.setOutput('packages', requiredPackages(archOption(stringOption(options, 'arch'))).join(' '));
  return 0;
};
