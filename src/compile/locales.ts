import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors';
import { run } from '../util/exec';

/**
 * The directory name glibc uses for a locale: "C.UTF-8" → "C.utf8", "en_US.UTF-8" → "en_US.utf8"
 * (glibc's normalised codeset: lower case, alphanumerics only).
 */
export function localeDirName(locale: string): string {
  const m = /^([^.@]+)(?:\.([^@]+))?(@.+)?$/.exec(locale);
  if (!m)
    throw new UserError(`'${locale}' is not a locale name`, "use names like 'C.UTF-8' or 'en_US.UTF-8'");
  const [, base, codeset, modifier] = m;
  const norm = codeset ? '.' + codeset.toLowerCase().replace(/[^a-z0-9]/g, '') : '';
  return `${base}${norm}${modifier ?? ''}`;
}

export function parseLocaleList(text: string): string[] {
  const names = text.split(/[,\s]+/).filter(Boolean);
  if (!names.some((n) => localeDirName(n) === 'C.utf8')) names.unshift('C.UTF-8');
  return [...new Set(names)];
}

/**
 * Puts compiled locales into <bundle>/vNN/lib/locale. C.UTF-8 is copied from glibc's own compiled
 * copy (same glibc as the static libc.a); others are compiled with localedef from the same glibc.
 */
export async function installLocales(locales: string[], targetDir: string): Promise<string[]> {
  mkdirSync(targetDir, { recursive: true });
  const installed: string[] = [];
  for (const locale of locales) {
    const dirName = localeDirName(locale);
    const target = join(targetDir, dirName);
    const system = join('/usr/lib/locale', dirName);
    if (dirName === 'C.utf8' && existsSync(join(system, 'LC_CTYPE'))) {
      cpSync(system, target, { recursive: true });
    } else {
      const m = /^([^.]+)\.(.+)$/.exec(locale);
      if (!m)
        throw new UserError(`locale '${locale}' has no codeset`, "name the codeset, e.g. 'en_US.UTF-8'");
      const charmap = m[2].toUpperCase() === 'UTF8' ? 'UTF-8' : m[2];
      await run('localedef', ['--no-archive', '-i', m[1], '-f', charmap, target]).catch((err: Error) => {
        throw new UserError(
          `cannot compile locale ${locale}: ${err.message.split('\n').slice(-2).join(' ')}`,
          'install the locale sources (apt-get install locales) or drop it from --locales',
        );
      });
    }
    installed.push(dirName);
  }
  return installed.sort();
}
