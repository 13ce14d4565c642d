import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { boolOption, CommandHandler, stringOption } from '../core/context';
import { defaultCacheDir } from '../source/cache';
import { Logger } from '../util/logger';
import { errorMessage } from '../util/errors';
import { findGuestKernel, provisionGuestKernel } from '../verify/vm/kernel';
import { walRedoNeedsVm } from '../verify/vm/session';
import { archOption, hostPlatform, Platform } from '../core/platform';
import { crossRequirements } from '../compile/cross';
import {
  binfmtFixes,
  ensureToolchain,
  fixLine,
  missingRequirements,
  Requirement,
  REQUIREMENTS,
  VERIFY_REQUIREMENTS,
} from '../compile/toolchain';

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
  const target = archOption(stringOption(options, 'arch'));
  const all = requirementsFor(target);
  const install = boolOption(options, 'installDeps');
  if (install) await ensureToolchain(ctx.log, true, all);
  const missing = await missingRequirements(all);
  for (const r of all)
    ctx.log.info(
      `${missing.includes(r) ? (r.optional ? 'missing' : 'MISSING') : 'ok     '} ${r.what} (${r.name})`,
    );
  const kernel = walRedoNeedsVm(target.id)
    ? await guestKernelStatus(
        join(stringOption(options, 'cacheDir') ?? defaultCacheDir(), 'vm-kernel'),
        install && missing.length === 0,
        ctx.log,
      )
    : 'ok';
  if (missing.some((r) => !r.optional)) {
    ctx.log.error(`run: ${fixLine(missing, binfmtFixes(missing))}   (or pass --install-deps)`);
    return 1;
  }
  return kernel === 'ok' ? 0 : 1;
};

/**
 * The arm64 kernel verify boots walredo's VM with (downloaded, not installed: an arm64 kernel
 * package does not install on another architecture); `install` downloads it into the cache.
 */
async function guestKernelStatus(parent: string, install: boolean, log: Logger): Promise<'ok' | 'missing'> {
  const what = 'AArch64 guest kernel for verify (Debian arm64 kernel package, unpacked in the cache)';
  try {
    const kernel = install
      ? await log.step(`download the ${what}`, () => provisionGuestKernel(parent))
      : findGuestKernel(join(parent, readdirSync(parent).sort().reverse()[0] ?? 'none'));
    log.info(`ok      ${what} (${kernel.release})`);
    return 'ok';
  } catch (e) {
    const why = errorMessage(e).split('\n')[0];
    log.info(`MISSING ${what} (${parent}): ${install ? why : 'pass --install-deps to download it'}`);
    return 'missing';
  }
}
