/**
 * qemu-user's binfmt_misc entry, which runs a cross build's own programs (zic, pg_config) and a
 * foreign bundle's binaries. Installing qemu-user-static registers it only where systemd-binfmt runs
 * at boot or where binfmt_misc is mounted; in a container neither holds, so the package is there and
 * the entry is not. This registers it from the rule file the package installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../util/errors';
import { run } from '../util/exec';

/** The registration line of a binfmt.d rule file (pure): its first line that is not a comment. */
export function binfmtRegistration(ruleText: string, rulePath: string): string {
  const line = ruleText
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';'));
  // a rule is :name:type:offset:magic:mask:interpreter:flags
  if (!line || !line.startsWith(':') || line.split(':').length < 8)
    throw new UserError(
      `${rulePath} holds no binfmt_misc rule (":name:type:offset:magic:mask:interpreter:flags")`,
      'reinstall the package that ships it: sudo apt-get install --reinstall qemu-user-static',
    );
  return line;
}

/**
 * The commands that register `registration` under the binfmt_misc directory of `entry` (pure):
 * mount binfmt_misc first when it is not mounted; each prefixed by `sudo` when not root.
 */
export function binfmtCommands(
  entry: string,
  registration: string,
  mounted: boolean,
  root: boolean,
): string[][] {
  const dir = dirname(entry);
  const sudo = root ? [] : ['sudo'];
  return [
    ...(mounted ? [] : [[...sudo, 'mount', '-t', 'binfmt_misc', 'binfmt_misc', dir]]),
    [...sudo, 'sh', '-c', 'printf "%s\\n" "$1" > "$2"', 'sh', registration, `${dir}/register`],
  ];
}

/** The commands above as one shell line, for an error's fix (pure). */
export function binfmtShellLine(commands: string[][]): string {
  const quote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);
  return commands.map((c) => c.map(quote).join(' ')).join(' && ');
}

/** The commands that register the entry from the package's rule file; undefined when the package is not installed. */
export function binfmtFix(entry: string, rulePath: string): string[][] | undefined {
  if (!existsSync(rulePath)) return undefined;
  const registration = binfmtRegistration(readFileSync(rulePath, 'utf8'), rulePath);
  const mounted = existsSync(`${dirname(entry)}/register`);
  return binfmtCommands(entry, registration, mounted, process.getuid?.() === 0);
}

/** Registers `entry` from its installed rule file (mounting binfmt_misc when needed). */
export async function registerBinfmt(entry: string, rulePath: string): Promise<void> {
  const commands = binfmtFix(entry, rulePath);
  if (!commands) return;
  for (const [cmd, ...args] of commands) await run(cmd, args);
}
