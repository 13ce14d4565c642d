import { boolOption, CommandHandler } from '../core/context';
import { doctorCommand } from '../build/doctor';
import { REQUIREMENTS, VERIFY_REQUIREMENTS } from '../build/toolchain';

/** The Debian packages that provide everything build and verify need, sorted. */
export function requiredPackages(): string[] {
  return [...new Set([...REQUIREMENTS, ...VERIFY_REQUIREMENTS].map((r) => r.debianPackage))].sort();
}

/**
 * `pg-bundle doctor`; with --print-packages it only prints the package list (output `packages`),
 * which test/run-all.sh installs instead of keeping its own copy.
 */
export const doctorOrPackages: CommandHandler = async (options, ctx) => {
  if (!boolOption(options, 'printPackages')) return doctorCommand(options, ctx);
  ctx.setOutput('packages', requiredPackages().join(' '));
  return 0;
};
