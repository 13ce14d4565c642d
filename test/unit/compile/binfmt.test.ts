import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  binfmtCommands,
  binfmtRegistration,
  binfmtShellLine,
  binfmtStateOf,
} from '../../../src/compile/binfmt';
import { fixLine, Requirement } from '../../../src/compile/toolchain';

/** Debian bookworm's /usr/lib/binfmt.d/qemu-aarch64.conf, as qemu-user-static 7.2 installs it */
const QEMU_AARCH64 =
  ':qemu-aarch64:M::\\x7f\\x45\\x4c\\x46\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xb7\\x00:' +
  '\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff:' +
  '/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OPF';
const QEMU_ARM =
  ':qemu-arm:M::\\x7fELF\\x01:\\xff\\xff\\xff\\xff\\xff:/usr/libexec/qemu-binfmt/arm-binfmt-P:OPF';
const ENTRY = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
const RULE = '/usr/lib/binfmt.d/qemu-aarch64.conf';

describe('binfmtStateOf', () => {
  test.each([
    ['binfmt_misc not mounted', false, undefined, 'unmounted'],
    ['mounted, no entry', true, undefined, 'absent'],
    [
      'registered',
      true,
      'enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: POF\n',
      'enabled',
    ],
    ['registered, then disabled (echo 0 > entry)', true, 'disabled\ninterpreter /x\n', 'disabled'],
  ] as const)('%s', (_, mounted, text, state) => {
    expect(binfmtStateOf(mounted, text)).toBe(state);
  });
});

describe('binfmtRegistration', () => {
  test.each([
    ['the rule alone', `${QEMU_AARCH64}\n`],
    ['after comments and blank lines', `# qemu-user-static\n; generated\n\n  ${QEMU_AARCH64}  \n`],
    ['among other rules (its name chooses it)', `${QEMU_ARM}\n${QEMU_AARCH64}\n`],
  ])('finds the rule: %s', (_, text) => {
    expect(binfmtRegistration(text, RULE, 'qemu-aarch64')).toBe(QEMU_AARCH64);
  });

  test.each([
    ['an empty file', ''],
    ['only comments', '# nothing\n'],
    ['a line that is not a rule', 'qemu-aarch64 /usr/bin/qemu\n'],
    ['a rule with too few fields', ':qemu-aarch64:M::\\x7f:\n'],
    ['only a rule of another name', `${QEMU_ARM}\n`],
  ])('refuses %s with one line naming the file, the rule and the fix', (_, text) => {
    expect(() => binfmtRegistration(text, RULE, 'qemu-aarch64')).toThrow(
      /^\/usr\/lib\/binfmt\.d\/qemu-aarch64\.conf holds no binfmt_misc rule named qemu-aarch64/,
    );
  });
});

describe('binfmtCommands', () => {
  const register = [
    'sh',
    '-c',
    '[ -e "$3" ] || printf "%s\\n" "$1" > "$2"',
    'sh',
    QEMU_AARCH64,
    '/proc/sys/fs/binfmt_misc/register',
    ENTRY,
  ];
  const mount = ['mount', '-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'];
  const enable = ['sh', '-c', 'echo 1 > "$1"', 'sh', ENTRY];
  test.each([
    ['enabled: nothing to do', 'enabled', true, []],
    ['absent, root', 'absent', true, [register]],
    ['absent, not root', 'absent', false, [['sudo', ...register]]],
    ['not mounted (a container), root', 'unmounted', true, [mount, register]],
    [
      'not mounted, not root',
      'unmounted',
      false,
      [
        ['sudo', ...mount],
        ['sudo', ...register],
      ],
    ],
    ['disabled: enabled again, not registered twice', 'disabled', true, [enable]],
  ] as const)('%s', (_, state, root, expected) => {
    expect(binfmtCommands(ENTRY, QEMU_AARCH64, state, root)).toEqual(expected);
  });
});

describe('the commands, run by a real shell on files standing in for binfmt_misc', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgb-binfmt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const runAll = (commands: string[][]) =>
    commands.forEach(([cmd, ...args]) => expect(spawnSync(cmd, args).status).toBe(0));

  test('registering writes the rule, byte for byte, and a newline to register', () => {
    runAll(binfmtCommands(join(dir, 'qemu-aarch64'), QEMU_AARCH64, 'absent', true));
    expect(readFileSync(join(dir, 'register'), 'utf8')).toBe(`${QEMU_AARCH64}\n`);
  });

  test('an entry there once binfmt_misc is mounted (the host registered it) is not registered again', () => {
    writeFileSync(join(dir, 'qemu-aarch64'), 'enabled\n');
    const [, register] = binfmtCommands(join(dir, 'qemu-aarch64'), QEMU_AARCH64, 'unmounted', true);
    runAll([register]);
    expect(existsSync(join(dir, 'register'))).toBe(false);
  });

  test('enabling writes 1 to the entry', () => {
    writeFileSync(join(dir, 'qemu-aarch64'), 'disabled\n');
    runAll(binfmtCommands(join(dir, 'qemu-aarch64'), QEMU_AARCH64, 'disabled', true));
    expect(readFileSync(join(dir, 'qemu-aarch64'), 'utf8')).toBe('1\n');
  });

  test('the shell line a user pastes gives the shell back the same words', () => {
    for (const words of binfmtCommands(ENTRY, QEMU_AARCH64, 'unmounted', false)) {
      const line = binfmtShellLine([words]);
      const echoed = spawnSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
      expect(echoed.stdout.split('\0').slice(0, -1)).toEqual(words);
    }
    expect(binfmtShellLine([['true'], ['echo', "it's"]])).toBe(`true && echo 'it'\\''s'`);
  });
});

describe('fixLine', () => {
  const entry: Requirement = {
    what: 'AArch64 programs run through qemu',
    kind: 'file',
    name: ENTRY,
    debianPackage: 'qemu-user-static',
    binfmtRule: RULE,
  };
  const compiler: Requirement = { what: 'C compiler', kind: 'command', name: 'gcc', debianPackage: 'gcc' };
  const registration = binfmtCommands(ENTRY, QEMU_AARCH64, 'unmounted', true);

  test.each([
    [
      'the package not installed: apt-get installs it',
      [entry],
      new Map(),
      /^sudo apt-get install .* qemu-user-static$/,
    ],
    [
      'the package installed, the entry not registered: the commands that register it, not apt-get',
      [entry],
      new Map([[entry, registration]]),
      /^mount -t binfmt_misc binfmt_misc \/proc\/sys\/fs\/binfmt_misc && sh -c .*\/proc\/sys\/fs\/binfmt_misc\/qemu-aarch64$/,
    ],
    [
      'both at once: the apt line for the rest first',
      [compiler, entry],
      new Map([[entry, registration]]),
      /^sudo apt-get install -y --no-install-recommends gcc && mount -t binfmt_misc/,
    ],
  ])('%s', (_, missing, fixes, line) => {
    expect(fixLine(missing, fixes)).toMatch(line);
  });
});
