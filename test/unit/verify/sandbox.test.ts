import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bwrapArgs,
  CHROOT_SCRIPT,
  createSandbox,
  passwdLine,
  probeIsolation,
  SANDBOX_UID,
  unshareChrootArgs,
} from '../../../src/verify/sandbox';
import { compileC } from './gcc';

const LAYOUT = { bundleDir: '/work/out', inoutDir: '/tmp/x/inout', passwdFile: '/tmp/x/passwd' };

/** Reports what a program sees: uid, environment size, passwd name, the root's entries; writes to /inout. */
const PROBE = `
#include <dirent.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  int n = 0;
  for (char **e = environ; *e; e++) n++;
  struct passwd *pw = getpwuid(getuid());
  printf("uid=%u env=%d user=%s\\n", getuid(), n, pw ? pw->pw_name : "-");
  DIR *d = opendir("/");
  struct dirent *ent;
  printf("root=");
  while (d && (ent = readdir(d))) if (ent->d_name[0] != '.') printf("%s,", ent->d_name);
  printf("\\n");
  FILE *f = fopen(argv[1], "w");
  printf("inout=%s\\n", f ? "writable" : "not writable");
  if (f) { fputs("written inside", f); fclose(f); }
  FILE *b = fopen(argv[2], "w");
  printf("bundle=%s\\n", b ? "writable" : "read-only");
  char buf[64] = "";
  if (fgets(buf, sizeof buf, stdin)) printf("stdin=%s", buf);
  return 3;
}
`;

describe('sandbox arguments', () => {
  it('bwrap: bundle read-only, /proc, /dev/null, writable /inout, passwd file, cleared environment, non-root uid', () => {
    const args = bwrapArgs(LAYOUT, ['/bundle/v15/bin/initdb', '--version']);
    expect(args.join(' ')).toBe(
      '--unshare-all --die-with-parent --uid 1000 --gid 1000 --ro-bind /work/out /bundle --proc /proc --dev-bind /dev/null /dev/null --bind /tmp/x/inout /inout --ro-bind /tmp/x/passwd /etc/passwd --clearenv --chdir /inout -- /bundle/v15/bin/initdb --version',
    );
  });
  it('unshare+chroot: positional arguments follow the script', () => {
    const args = unshareChrootArgs('/tmp/x/root', LAYOUT, ['/bundle/v15/bin/postgres', '--single']);
    expect(args.slice(0, 6)).toEqual(['--mount', '--pid', '--fork', '--kill-child', 'sh', '-c']);
    expect(args.slice(7)).toEqual([
      'sh',
      '/tmp/x/root',
      '/work/out',
      '/tmp/x/inout',
      '/tmp/x/passwd',
      '/bundle/v15/bin/postgres',
      '--single',
    ]);
    expect(CHROOT_SCRIPT).toContain(`env -i "$C" --userspec=${SANDBOX_UID}:`);
    expect(CHROOT_SCRIPT).toContain('mount -o remount,bind,ro "$R/bundle"');
  });
  it('passwd line', () => {
    expect(passwdLine(1000, 1000)).toBe('pg-bundle:x:1000:1000:pg-bundle:/nonexistent:/nonexistent\n');
  });
});

describe('sandbox run (the isolation method this machine offers)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sandbox-test-'));
    compileC(join(dir), 'probe', PROBE, ['-static']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a static program with an empty environment, as a non-root user, in a root holding only what it should', async () => {
    const probe = await probeIsolation();
    const method = probe.method ?? 'unisolated';
    const sb = await createSandbox(method, dir, join(dir, 'work'));
    const outcome = await sb.run(
      [`${sb.bundlePath}/probe`, `${sb.inoutPath}/out.txt`, `${sb.bundlePath}/created`],
      'hello stdin\n',
    );
    expect(outcome.code).toBe(3);
    const lines = outcome.stdout;
    // bwrap always sets PWD after --clearenv (it cannot be unset); nothing else may reach the program
    expect(lines).toMatch(method === 'bwrap' ? /env=1 / : /env=0 /);
    expect(lines).not.toMatch(/uid=0 /);
    expect(lines).toContain('inout=writable');
    expect(lines).toContain('stdin=hello stdin');
    expect(readFileSync(join(sb.inoutDir, 'out.txt'), 'utf8')).toBe('written inside');
    if (method !== 'unisolated') {
      expect(lines).toMatch(new RegExp(`uid=${SANDBOX_UID} env=\\d user=pg-bundle`));
      expect(lines).toContain('bundle=read-only');
      const root = (lines.match(/root=(.*)/)?.[1] ?? '').split(',').filter(Boolean).sort();
      expect(root.filter((e) => !['bundle', 'dev', 'etc', 'inout', 'proc'].includes(e))).toEqual([]);
    }
  });
});
