import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runtimeDir } from '../../../src/compile/runtime';

/**
 * The shell-free popen/pclose/system shim (runtime/pgb_exec.c), compiled into a small static test
 * program with the same --wrap flags the bundle uses, and driven through real processes.
 */
const program = `
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
int main(int argc, char **argv) {
  if (strcmp(argv[1], "system") == 0) {
    int st = system(argv[2]);
    printf("status=%d\\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;
  }
  FILE *f = popen(argv[2], argv[1][6] == 'r' ? "r" : "w");
  if (!f) { perror("popen"); return 3; }
  if (argv[1][6] == 'r') { char buf[256]; while (fgets(buf, sizeof buf, f)) fputs(buf, stdout); }
  else fputs("written through the pipe\\n", f);
  int st = pclose(f);
  printf("status=%d\\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  return 0;
}
`;

let dir: string;
let exe: string;
const run = (mode: string, command: string, env: NodeJS.ProcessEnv = {}) =>
  execFileSync(exe, [mode, command], { cwd: dir, env: { PATH: '/usr/bin:/bin', ...env } }).toString();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pgb-exec-'));
  writeFileSync(join(dir, 't.c'), program);
  exe = join(dir, 't');
  execFileSync('gcc', [
    '-O1',
    '-static',
    `-I${runtimeDir()}`,
    '-o',
    exe,
    join(dir, 't.c'),
    join(runtimeDir(), 'pgb_exec.c'),
    '-Wl,--wrap=popen,--wrap=pclose,--wrap=system',
  ]);
  writeFileSync(join(dir, 'in.txt'), 'line from a file\n');
});

describe('shell-free popen/system', () => {
  test('system: quoted program path, quoted words, output redirection and 2>&1', () => {
    expect(run('system', `"/bin/sh" -c 'echo to-stdout; echo to-stderr >&2' > "out.txt" 2>&1`)).toBe(
      'status=0\n',
    );
    expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('to-stdout\nto-stderr\n');
  });

  test('system: input redirection as initdb writes it (< "/dev/null" > "/dev/null" 2>&1)', () => {
    expect(run('system', `"/bin/cat" < "/dev/null" > "/dev/null" 2>&1`)).toBe('status=0\n');
  });

  test('system: exit status is passed through; a missing program gives 127', () => {
    expect(run('system', `/bin/sh -c 'exit 7'`)).toBe('status=7\n');
    expect(run('system', `"/nonexistent/postgres" -V`)).toBe('status=127\n');
  });

  test('popen r: reads the program output (pipe_read_line)', () => {
    expect(run('popen-r', `"/bin/cat" "in.txt"`)).toBe('line from a file\nstatus=0\n');
  });

  test('popen w: writes into the program (initdb feeding the bootstrap backend)', () => {
    expect(run('popen-w', `"/bin/cat" >> "appended.txt"`)).toBe('status=0\n');
    expect(readFileSync(join(dir, 'appended.txt'), 'utf8')).toBe('written through the pipe\n');
  });

  test('double quotes keep spaces and backslash escapes; single quotes are literal', () => {
    expect(run('popen-r', `/usr/bin/printf '%s|' "a b" 'c $HOME' "d\\"e"`)).toBe(
      'a b|c $HOME|d"e|status=0\n',
    );
  });

  test('"locale -a" lists the bundle locales from LOCPATH, never the host', () => {
    const locpath = join(dir, 'locale');
    mkdirSync(join(locpath, 'C.utf8'), { recursive: true });
    writeFileSync(join(locpath, 'C.utf8', 'LC_CTYPE'), '');
    mkdirSync(join(locpath, 'not-a-locale'), { recursive: true });
    expect(run('popen-r', 'locale -a', { LOCPATH: locpath })).toBe('C\nC.utf8\nPOSIX\nstatus=0\n');
  });

  test('anything else falls back to /bin/sh (pipes, variables)', () => {
    expect(run('popen-r', 'echo fallback | tr a-z A-Z')).toBe('FALLBACK\nstatus=0\n');
    expect(run('popen-r', 'echo "$PGB_X"', { PGB_X: 'from-shell' })).toBe('from-shell\nstatus=0\n');
  });

  /** What /bin/sh prints and writes for `command` in a fresh directory, and what the shim does. */
  const bothWays = (command: string, files: string[]) => {
    const outcome = (how: 'sh' | 'shim') => {
      const cwd = mkdtempSync(join(dir, `${how}-`));
      writeFileSync(join(cwd, 'in.txt'), 'line from a file\n');
      const r = spawnSync(
        how === 'sh' ? '/bin/sh' : exe,
        how === 'sh' ? ['-c', command] : ['system', command],
        {
          cwd,
          env: { PATH: '/usr/bin:/bin' },
        },
      );
      const stdout = r.stdout.toString().replace(/status=\d+\n$/, '');
      const status = how === 'sh' ? r.status : Number(/status=(-?\d+)/.exec(r.stdout.toString())?.[1]);
      const written = files.map((f) =>
        existsSync(join(cwd, f)) ? readFileSync(join(cwd, f), 'utf8') : null,
      );
      return { stdout, status: status === 0 ? 0 : 'failed', written };
    };
    return { sh: outcome('sh'), shim: outcome('shim') };
  };

  test.each([
    ['an assignment prefix', 'PGB_V=/x /bin/sh -c \'echo "$PGB_V"\' > out.txt', ['out.txt']],
    [
      'an assignment prefix with a quoted value',
      'PGB_V="a b" /bin/sh -c \'echo "$PGB_V"\' > out.txt',
      ['out.txt'],
    ],
    ['fd 3 redirected', '/bin/echo hi 3>f.txt', ['f.txt']],
    ['fd 0 opened for writing', '/bin/echo hi 0>f.txt', ['f.txt']],
    ['fd 1 opened for reading', '/bin/echo hi 1<in.txt', ['in.txt']],
    ['fd 2 opened for reading', '/bin/echo hi 2<in.txt', ['in.txt']],
    ['a two-digit fd', '/bin/echo hi 10>f.txt', ['f.txt']],
    ['what the shim runs itself', '"/bin/cat" < in.txt > out.txt 2>&1', ['out.txt']],
    ['an argument that merely contains =', '/bin/echo A=b 2>err.txt', ['err.txt']],
  ])('behaves like /bin/sh for %s', (_what, command, files) => {
    const { sh, shim } = bothWays(command, files);
    expect(shim).toEqual(sh);
  });
});
