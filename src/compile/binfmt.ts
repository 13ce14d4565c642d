/**
 * qemu-user's binfmt_misc entry, which runs a cross build's own programs (zic, pg_config) and a
 * foreign bundle's binaries. Installing qemu-user-static registers it only where systemd-binfmt runs
 * at boot or where binfmt_misc is mounted; in a container neither holds, so the package is there and
 * the entry is not. This registers it from the rule file the package installed. binfmt_misc is the
 * kernel's (before Linux 6.7, not per container): an entry registered here serves the whole host.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorMessage, UserError } from '../util/errors';
import { quoteForDisplay, run } from '../util/exec';

/** What /proc shows of an entry: registered and enabled, registered but disabled, absent, or binfmt_misc not mounted. */
export type BinfmtState = 'enabled' | 'disabled' | 'absent' | 'unmounted';

/** The state of an entry from whether binfmt_misc is mounted and the entry file's text (pure). */
export function binfmtStateOf(mounted: boolean, entryText: string | undefined): BinfmtState {
  if (!mounted) return 'unmounted';
  if (entryText === undefined) return 'absent';
  return entryText.split('\n')[0].trim() === 'enabled' ? 'enabled' : 'disabled';
}

/**
 * The registration line of rule `name` in a binfmt.d rule file (pure): a rule is
 * `:name:type:offset:magic:mask:interpreter:flags`; comments start with # or ;.
 */
export function binfmtRegistration(ruleText: string, rulePath: string, name: string): string {
  const rules = ruleText
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  const line = rules.find((l) => l.startsWith(`:${name}:`) && l.split(':').length >= 8);
  if (!line)
    throw new UserError(
      `${rulePath} holds no binfmt_misc rule named ${name} (":${name}:type:offset:magic:mask:interpreter:flags")`,
      'reinstall the package that ships it: sudo apt-get install --reinstall qemu-user-static',
    );
  return line;
}

/**
 * The commands that leave `entry` enabled from `state` (pure), each prefixed by `sudo` when not
 * root: mount binfmt_misc when it is not mounted; register the rule unless the entry is there once
 * mounted (a host that registered it already); enable an entry that is disabled.
 */
export function binfmtCommands(
  entry: string,
  registration: string,
  state: BinfmtState,
  root: boolean,
): string[][] {
  const dir = dirname(entry);
  const sudo = root ? [] : ['sudo'];
  const register = [...sudo, 'sh', '-c', '[ -e "$3" ] || printf "%s\\n" "$1" > "$2"', 'sh'];
  register.push(registration, join(dir, 'register'), entry);
  switch (state) {
    case 'enabled':
      return [];
    case 'disabled':
      return [[...sudo, 'sh', '-c', 'echo 1 > "$1"', 'sh', entry]];
    case 'absent':
      return [register];
    case 'unmounted':
      return [[...sudo, 'mount', '-t', 'binfmt_misc', 'binfmt_misc', dir], register];
  }
}

/** The commands as one shell line, for an error's fix (pure). */
export function binfmtShellLine(commands: string[][]): string {
  return commands.map(([cmd, ...args]) => quoteForDisplay(cmd, args)).join(' && ');
}

/** An entry's state as this machine's /proc shows it. */
export function binfmtState(entry: string): BinfmtState {
  const mounted = existsSync(join(dirname(entry), 'register'));
  return binfmtStateOf(mounted, mounted && existsSync(entry) ? readFileSync(entry, 'utf8') : undefined);
}

/** The rule file in effect: an administrator's (/etc/binfmt.d) or runtime one before the package's. */
function ruleInEffect(packageRule: string): string | undefined {
  const name = basename(packageRule);
  return [join('/etc/binfmt.d', name), join('/run/binfmt.d', name), packageRule].find((p) => existsSync(p));
}

/** The commands that leave `entry` enabled; undefined when no rule file is installed (the package is not). */
export function binfmtFix(entry: string, packageRule: string): string[][] | undefined {
  const rule = ruleInEffect(packageRule);
  if (!rule) return undefined;
  const registration = binfmtRegistration(readFileSync(rule, 'utf8'), rule, basename(entry));
  return binfmtCommands(entry, registration, binfmtState(entry), process.getuid?.() === 0);
}

/** Runs the commands that leave `entry` enabled (binfmtFix's); a failure is one line with the fix. */
export async function registerBinfmt(entry: string, commands: string[][]): Promise<void> {
  try {
    for (const [cmd, ...args] of commands) await run(cmd, args);
  } catch (e) {
    throw new UserError(
      `could not register ${entry} (${errorMessage(e).split('\n')[0]}): binfmt_misc takes root, and in a container one run with --privileged`,
      `run it where that holds (on a container's host it serves the container too): ${binfmtShellLine(commands)}`,
    );
  }
}
