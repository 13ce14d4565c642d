/**
 * The collation facts asked from a fresh cluster through `postgres --single` (pure parts: the SQL
 * per version and the parser of the backend's debug-print output).
 *
 * Each query returns one text column "pgb:<key>=<value>"; single-user mode prints it as
 *   `\t 1: ?column? = "pgb:<key>=<value>"\t(typeid = 25, ...)`.
 * A NULL result prints nothing, so a missing key means NULL (or an ERROR, which goes to stderr).
 * No SQL function reports the ICU library version itself; pg_collation_actual_version of an ICU
 * collation (e.g. "153.120" for ICU 72) is what decides collation compatibility.
 */
import { CollationFacts } from '../core/manifest';

export function collationQueries(major: number): string[] {
  const q = [
    "select 'pgb:icuCollationVersion=' || pg_collation_actual_version(oid) from pg_collation where collprovider = 'i' and collname = 'und-x-icu'",
    "select 'pgb:icuStoredVersion=' || collversion from pg_collation where collprovider = 'i' and collname = 'und-x-icu'",
    "select 'pgb:datcollate=' || datcollate::text from pg_database where datname = 'postgres'",
    "select 'pgb:datctype=' || datctype::text from pg_database where datname = 'postgres'",
  ];
  if (major >= 15) {
    q.push(
      "select 'pgb:datlocprovider=' || datlocprovider::text from pg_database where datname = 'postgres'",
    );
    q.push(
      "select 'pgb:libcCollationVersion=' || datcollversion from pg_database where datname = 'postgres'",
    );
  }
  if (major >= 17) q.push("select 'pgb:datlocale=' || datlocale from pg_database where datname = 'postgres'");
  return q;
}

/** stdin for `postgres --single`: one statement per line. */
export function singleUserInput(major: number): string {
  return collationQueries(major).join(';\n') + ';\n';
}

export function parseSingleUserOutput(stdout: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const m of stdout.matchAll(/= "pgb:([A-Za-z]+)=(.*?)"\t\(typeid/g)) values[m[1]] = m[2];
  return values;
}

/** The libc locales PostgreSQL treats as unversioned (pg_locale.c: "C", "POSIX" and "C.*"). */
const UNVERSIONED_LIBC_LOCALE = /^(C|POSIX|C\..*)$/;
export const UNVERSIONED = 'none (PostgreSQL records no version for C, POSIX and C.* locales)';

export function collationFacts(values: Record<string, string>): CollationFacts {
  const facts: CollationFacts = {};
  if (values.icuCollationVersion) facts.icuCollationVersion = values.icuCollationVersion;
  if (values.datcollate !== undefined) facts.datcollate = values.datcollate;
  if (values.datctype !== undefined) facts.datctype = values.datctype;
  if (values.datlocprovider !== undefined) facts.datlocprovider = values.datlocprovider;
  if (values.libcCollationVersion) facts.libcCollationVersion = values.libcCollationVersion;
  else if (
    facts.datcollate !== undefined &&
    UNVERSIONED_LIBC_LOCALE.test(facts.datcollate) &&
    facts.datlocprovider !== 'i'
  )
    // PostgreSQL records no collation version for C, POSIX and C.* (datcollversion is NULL): say so
    // rather than leave the fact looking unmeasured
    facts.libcCollationVersion = UNVERSIONED;
  return facts;
}

/** What the storage service's initdb call must produce, per version. */
export function expectedLocale(major: number): {
  datcollate: string;
  datctype: string;
  datlocprovider?: string;
} {
  if (major <= 14) return { datcollate: 'C.UTF-8', datctype: 'C.UTF-8' };
  return { datcollate: 'C.UTF-8', datctype: 'C.UTF-8', datlocprovider: major >= 17 ? 'b' : 'c' };
}

/** Mismatches between what the cluster reports and what it must report (empty when fine). */
export function localeProblems(major: number, values: Record<string, string>): string[] {
  const problems: string[] = [];
  const expected = expectedLocale(major);
  for (const [key, want] of Object.entries(expected)) {
    const got = values[key];
    if (got === undefined) problems.push(`${key} was not reported`);
    else if (got !== want)
      problems.push(`${key} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
  }
  if (major >= 17 && values.datlocale !== 'C.UTF-8')
    problems.push(`datlocale is ${JSON.stringify(values.datlocale ?? null)}, expected "C.UTF-8"`);
  return problems;
}
