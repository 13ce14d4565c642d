/**
 * Runs a bundle program in an empty root: only the bundle (read-only, at /bundle), /proc,
 * /dev/null, a writable /inout and a one-line /etc/passwd for the running user; the environment
 * is cleared (bwrap sets PWD=/inout after --clearenv; it cannot be unset). Methods, in order of preference, chosen by a cheap probe:
 *  - bwrap: user namespace; the invoking user maps to SANDBOX_UID inside, so /inout must be
 *    owned by the invoking user (as root: by root).
 *  - unshare-chroot: a mount namespace with bind mounts and `chroot --userspec`; needs root
 *    (or password-less sudo). /inout is chowned to SANDBOX_UID.
 *  - unisolated (only with --allow-unisolated): the program runs on the host, as an unprivileged
 *    user when verify runs as root, with the environment cleared. It proves nothing about
 *    host independence and the report says so.
 * initdb and postgres refuse to run as root, so the user inside is never uid 0.
 */
import { chmodSync, chownSync, closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessOutcome, spawnCollect, succeeded } from './process';

export type IsolationMethod = 'bwrap' | 'unshare-chroot' | 'unisolated';

export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;
export const SANDBOX_USER = 'pg-bundle';
/** An unprivileged user that exists on Debian and Ubuntu hosts (nobody), for host runs as root. */
export const HOST_UNPRIVILEGED_UID = 65534;
export const HOST_UNPRIVILEGED_GID = 65534;

export function passwdLine(uid: number, gid: number, name = SANDBOX_USER): string {
  return `${name}:x:${uid}:${gid}:${name}:/nonexistent:/nonexistent\n`;
}

export interface EmptyRootLayout {
  /** host directory mounted read-only at /bundle (holds vNN/) */
  bundleDir: string;
  /** host directory mounted writable at /inout */
  inoutDir: string;
  /** host file mounted at /etc/passwd */
  passwdFile: string;
}

/** bwrap's isolation: every namespace, the unprivileged ids, nothing outlives the caller. */
const BWRAP_ISOLATION = [
  '--unshare-all',
  '--die-with-parent',
  '--uid',
  String(SANDBOX_UID),
  '--gid',
  String(SANDBOX_GID),
];
/** the only devices and pseudo file systems the programs get */
const BWRAP_PROC_AND_NULL = ['--proc', '/proc', '--dev-bind', '/dev/null', '/dev/null'];

/** bwrap's arguments for one run (pure). */
export function bwrapArgs(layout: EmptyRootLayout, argv: readonly string[]): string[] {
  return [
    ...BWRAP_ISOLATION,
    '--ro-bind',
    layout.bundleDir,
    '/bundle',
    ...BWRAP_PROC_AND_NULL,
    '--bind',
    layout.inoutDir,
    '/inout',
    '--ro-bind',
    layout.passwdFile,
    '/etc/passwd',
    '--clearenv',
    '--chdir',
    '/inout',
    '--',
    ...argv,
  ];
}

/** The shell script that builds the root inside a new mount namespace and enters it (pure). */
export const CHROOT_SCRIPT = [
  'set -e',
  'R=$1 B=$2 I=$3 P=$4; shift 4',
  'mount --make-rprivate /',
  'mount --rbind "$B" "$R/bundle"',
  'mount -o remount,bind,ro "$R/bundle"',
  'mount --bind "$I" "$R/inout"',
  'mount --bind /dev/null "$R/dev/null"',
  'mount --bind "$P" "$R/etc/passwd"',
  'mount -t proc proc "$R/proc"',
  `cd "$R/inout"`,
  'C=$(command -v chroot)',
  `exec env -i "$C" --userspec=${SANDBOX_UID}:${SANDBOX_GID} "$R" "$@"`,
].join('\n');

/** unshare's isolation: own mount and PID namespaces, everything killed with the caller. */
const UNSHARE_ISOLATION = ['--mount', '--pid', '--fork', '--kill-child'];

/** unshare's arguments for one run (pure); `root` is an empty skeleton directory. */
export function unshareChrootArgs(root: string, layout: EmptyRootLayout, argv: readonly string[]): string[] {
  return [
    ...UNSHARE_ISOLATION,
    'sh',
    '-c',
    CHROOT_SCRIPT,
    'sh',
    root,
    layout.bundleDir,
    layout.inoutDir,
    layout.passwdFile,
    ...argv,
  ];
}

export interface Sandbox {
  method: IsolationMethod;
  /** where the bundle is seen by the program (put vNN/bin/... after it) */
  bundlePath: string;
  /** where the writable directory is seen by the program */
  inoutPath: string;
  /** the host directory behind inoutPath */
  inoutDir: string;
  run(argv: readonly string[], input?: string): Promise<ProcessOutcome>;
  /**
   * Runs like `run`, under an extra seccomp program (struct sock_filter bytes, see kernel-floor.ts);
   * only bwrap can load one (`--seccomp FD`).
   */
  runFiltered?(argv: readonly string[], filter: Buffer, input?: string | Buffer): Promise<ProcessOutcome>;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Prefix that runs a command as root: nothing when we are root, `sudo -n` when that works. */
async function rootPrefix(): Promise<string[] | undefined> {
  if (isRoot()) return [];
  const probe = await spawnCollect('sudo', ['-n', 'true'], { timeoutMs: 20_000 });
  return succeeded(probe) ? ['sudo', '-n'] : undefined;
}

export interface ProbeResult {
  method?: Exclude<IsolationMethod, 'unisolated'>;
  /** why each method that was tried does not work */
  notes: string[];
}

function runWithPrefix(
  prefix: string[],
  cmd: string,
  args: string[],
  input?: string,
): Promise<ProcessOutcome> {
  const all = [...prefix, cmd, ...args];
  return spawnCollect(all[0], all.slice(1), {
    input,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin:/usr/sbin:/sbin' },
  });
}

/** Finds an isolation method that works here, by running /bin/true the way the real runs will. */
export async function probeIsolation(): Promise<ProbeResult> {
  const notes: string[] = [];
  const bw = await spawnCollect(
    'bwrap',
    // the host's root instead of the bundle: /bin/true is not static
    [...BWRAP_ISOLATION, '--ro-bind', '/', '/', ...BWRAP_PROC_AND_NULL, '--clearenv', '--', '/bin/true'],
    { timeoutMs: 30_000 },
  );
  if (succeeded(bw)) return { method: 'bwrap', notes };
  notes.push(`bwrap: ${bw.stderr.trim().split('\n')[0] || `exit ${bw.code}`}`);
  const prefix = await rootPrefix();
  if (!prefix) {
    notes.push('unshare+chroot: needs root or password-less sudo');
    return { notes };
  }
  const un = await runWithPrefix(prefix, 'unshare', [
    ...UNSHARE_ISOLATION,
    'sh',
    '-c',
    'mount --make-rprivate / && command -v chroot >/dev/null',
  ]);
  if (succeeded(un)) return { method: 'unshare-chroot', notes };
  notes.push(`unshare+chroot: ${un.stderr.trim().split('\n')[0] || `exit ${un.code}`}`);
  return { notes };
}

/** Creates a work area (inout, passwd, chroot skeleton) and returns a sandbox bound to `bundleDir`. */
export async function createSandbox(
  method: IsolationMethod,
  bundleDir: string,
  workDir?: string,
): Promise<Sandbox> {
  const work = workDir ?? mkdtempSync(join(tmpdir(), 'pg-bundle-verify-'));
  mkdirSync(work, { recursive: true });
  chmodSync(work, 0o755); // unisolated runs drop to an unprivileged user that must reach inout/
  const inoutDir = join(work, 'inout');
  mkdirSync(inoutDir, { recursive: true });
  chmodSync(inoutDir, 0o700);
  const passwdFile = join(work, 'passwd');
  const layout: EmptyRootLayout = { bundleDir, inoutDir, passwdFile };
  if (method === 'bwrap') {
    writeFileSync(passwdFile, passwdLine(SANDBOX_UID, SANDBOX_GID), { mode: 0o644 });
    return {
      method,
      bundlePath: '/bundle',
      inoutPath: '/inout',
      inoutDir,
      run: (argv, input) => spawnCollect('bwrap', bwrapArgs(layout, argv), { input, env: {} }),
      runFiltered: async (argv, filter, input) => {
        const file = join(work, 'seccomp.bpf');
        writeFileSync(file, filter);
        const fd = openSync(file, 'r');
        try {
          return await spawnCollect('bwrap', ['--seccomp', '3', ...bwrapArgs(layout, argv)], {
            input,
            env: {},
            extraFds: [fd],
          });
        } finally {
          closeSync(fd);
        }
      },
    };
  }
  if (method === 'unshare-chroot') {
    writeFileSync(passwdFile, passwdLine(SANDBOX_UID, SANDBOX_GID), { mode: 0o644 });
    const root = join(work, 'root');
    for (const d of ['bundle', 'inout', 'proc', 'dev', 'etc']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'dev/null'), '');
    writeFileSync(join(root, 'etc/passwd'), '');
    const prefix = (await rootPrefix()) ?? [];
    if (prefix.length === 0) chownSync(inoutDir, SANDBOX_UID, SANDBOX_GID);
    else await runWithPrefix(prefix, 'chown', [`${SANDBOX_UID}:${SANDBOX_GID}`, inoutDir]);
    return {
      method,
      bundlePath: '/bundle',
      inoutPath: '/inout',
      inoutDir,
      run: (argv, input) => runWithPrefix(prefix, 'unshare', unshareChrootArgs(root, layout, argv), input),
    };
  }
  const host = hostRunner();
  host.prepareDir(inoutDir);
  return {
    method,
    bundlePath: bundleDir,
    inoutPath: inoutDir,
    inoutDir,
    run: (argv, input) => host.run(argv, { input, env: {}, cwd: inoutDir }),
  };
}

export interface HostRunner {
  /** uid the programs run as */
  uid: number;
  /** makes a directory writable for that user */
  prepareDir(dir: string): void;
  run(
    argv: readonly string[],
    options: { env: NodeJS.ProcessEnv; cwd: string; input?: string },
  ): Promise<ProcessOutcome>;
}

/**
 * Runs bundle programs directly on the host, as an unprivileged user: when verify runs as root it
 * drops to nobody (65534) with setpriv and chowns the directories the program writes.
 */
export function hostRunner(): HostRunner {
  if (!isRoot()) {
    const uid = process.getuid?.() ?? -1;
    return { uid, prepareDir: () => undefined, run: (argv, o) => spawnCollect(argv[0], argv.slice(1), o) };
  }
  return {
    uid: HOST_UNPRIVILEGED_UID,
    prepareDir: (dir) => chownSync(dir, HOST_UNPRIVILEGED_UID, HOST_UNPRIVILEGED_GID),
    run: (argv, o) =>
      spawnCollect(
        'setpriv',
        [
          `--reuid=${HOST_UNPRIVILEGED_UID}`,
          `--regid=${HOST_UNPRIVILEGED_GID}`,
          '--clear-groups',
          '--',
          ...argv,
        ],
        o,
      ),
  };
}
