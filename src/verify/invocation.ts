/** The storage service's exact program invocations (pure). */

/** initdb as the storage service runs it: `--locale-provider` libc on 15/16, builtin on 17+, none on 14. */
export function initdbArgv(initdb: string, major: number, pgdata: string): string[] {
  const argv = [
    initdb,
    '--pgdata',
    pgdata,
    '--username',
    'cloud_admin',
    '--encoding',
    'utf8',
    '--locale',
    'C.UTF-8',
    '--no-instructions',
    '--no-sync',
  ];
  if (major === 15 || major === 16) argv.push('--locale-provider', 'libc');
  else if (major >= 17) argv.push('--locale-provider', 'builtin');
  return argv;
}

/** A single-user backend on the `postgres` database, with extra settings (`-c name=value`). */
export function singleUserArgv(
  postgres: string,
  pgdata: string,
  settings: Record<string, string> = {},
): string[] {
  const c = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  return [postgres, '--single', '-D', pgdata, ...c, 'postgres'];
}
