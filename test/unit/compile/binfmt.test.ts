import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binfmtCommands, binfmtRegistration, binfmtShellLine } from '../../../src/compile/binfmt';
import { fixLine, Requirement } from '../../../src/compile/toolchain';

/** Debian bookworm's /usr/lib/binfmt.d/qemu-aarch64.conf, as qemu-user-static 7.2 installs it */
const QEMU_AARCH64 =
  ':qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:' +
  '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:' +
  '/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF';
const ENTRY = '/proc/sys/fs/binfmt_misc/qemu-aarch64';

describe('binfmtRegistration', () => {
  test.each([
    ['the rule alone', `${QEMU_AARCH64}\n`],
    ['after comments and blank lines', `# qemu-user-static\n; generated\n\n  ${QEMU_AARCH64}  \n`],
  ])('finds the rule: %s', (_, text) => {
    expect(binfmtRegistration(text, 'rule.conf')).toBe(QEMU_AARCH64);
  });

  test.each([
    ['an empty file', ''],
    ['only comments', '# nothing\n'],
    ['a line that is not a rule', 'qemu-aarch64 /usr/bin/qemu\n'],
    ['a rule with too few fields', ':qemu-aarch64:M::\\x7f:\n'],
  ])('refuses %s with one line naming the file and the fix', (_, text) => {
    expect(() => binfmtRegistration(text, '/usr/lib/binfmt.d/qemu-aarch64.conf')).toThrow(
      /^\/usr\/lib\/binfmt\.d\/qemu-aarch64\.conf holds no binfmt_misc rule/,
    );
  });
});

describe('binfmtCommands', () => {
  const write = [
    'sh',
    '-c',
    'printf "%s\\n" "$1" > "$2"',
    'sh',
    QEMU_AARCH64,
    '/proc/sys/fs/binfmt_misc/register',
  ];
  test.each([
    ['mounted, root', true, true, [write]],
    ['mounted, not root', true, false, [['sudo', ...write]]],
    [
      'not mounted (a container), root',
      false,
      true,
      [['mount', '-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'], write],
    ],
    [
      'not mounted, not root',
      false,
      false,
      [
        ['sudo', 'mount', '-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'],
        ['sudo', ...write],
      ],
    ],
  ])('%s', (_, mounted, root, expected) => {
    expect(binfmtCommands(ENTRY, QEMU_AARCH64, mounted, root)).toEqual(expected);
  });

  test('the shell line quotes what the shell would split or expand, and runs the same words', () => {
    const line = binfmtShellLine(binfmtCommands(ENTRY, QEMU_AARCH64, false, true));
    expect(line).toBe(
      `mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc && sh -c 'printf "%s\\n" "$1" > "$2"' sh '${QEMU_AARCH64}' /proc/sys/fs/binfmt_misc/register`,
    );
    expect(binfmtShellLine([['echo', "it's"]])).toBe(`echo 'it'\\''s'`);
  });
});

describe('fixLine', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgb-binfmt-'));
    writeFileSync(join(dir, 'qemu-aarch64.conf'), `${QEMU_AARCH64}\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const entry = (rule: string): Requirement => ({
    what: 'AArch64 programs run through qemu',
    kind: 'file',
    name: ENTRY,
    debianPackage: 'qemu-user-static',
    binfmtRule: rule,
  });
  const compiler: Requirement = { what: 'C compiler', kind: 'command', name: 'gcc', debianPackage: 'gcc' };

  test('the package installed but the entry not registered: the commands that register it, not apt-get', () => {
    const line = fixLine([entry(join(dir, 'qemu-aarch64.conf'))]);
    expect(line).not.toMatch(/apt-get/);
    expect(line).toContain(`'${QEMU_AARCH64}'`);
    expect(line).toMatch(/\/proc\/sys\/fs\/binfmt_misc\/register$/);
  });

  test('the package not installed: apt-get installs it (its postinst registers the entry)', () => {
    expect(fixLine([entry(join(dir, 'absent.conf')), compiler])).toBe(
      'sudo apt-get install -y --no-install-recommends gcc qemu-user-static',
    );
  });

  test('both kinds at once: the apt line first, then the registration', () => {
    const line = fixLine([compiler, entry(join(dir, 'qemu-aarch64.conf'))]);
    expect(line).toMatch(/^sudo apt-get install -y --no-install-recommends gcc && /);
    expect(line).toContain('binfmt_misc/register');
  });
});
