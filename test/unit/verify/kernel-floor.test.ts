import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkKernelFloor,
  filterDescription,
  kernelFloorPlatforms,
} from '../../../src/verify/checks/kernel-floor';
import { platformById } from '../../../src/core/platform';
import { VersionContext } from '../../../src/verify/checks/context';
import {
  AUDIT_ARCH_X86_64,
  BpfInstruction,
  ENOSYS,
  KERNEL_FLOOR_PROGRAM,
  kernelFloorFilter,
  kernelFloorProgram,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
} from '../../../src/verify/kernel-floor';
import { createSandbox } from '../../../src/verify/sandbox';
import { MemoryLogger } from '../../support/memory-logger';
import { compileC } from './gcc';

/** Runs a classic-BPF seccomp program on (arch, nr), as the kernel does (only the opcodes it uses). */
function evaluate(program: readonly BpfInstruction[], arch: number, nr: number): number {
  let acc = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc];
    if (code === 0x20) acc = k === 4 ? arch : nr;
    else if (code === 0x15) pc += acc === k >>> 0 ? jt : jf;
    else if (code === 0x35) pc += acc >>> 0 >= k >>> 0 ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`opcode ${code}`);
  }
  throw new Error('fell off the program');
}

describe('the Linux 5.10 system call filter', () => {
  it.each([
    ['read', AUDIT_ARCH_X86_64, 0, SECCOMP_RET_ALLOW],
    ['close_range (5.9)', AUDIT_ARCH_X86_64, 436, SECCOMP_RET_ALLOW],
    ['process_madvise (5.10)', AUDIT_ARCH_X86_64, 440, SECCOMP_RET_ALLOW],
    ['epoll_pwait2 (5.11)', AUDIT_ARCH_X86_64, 441, SECCOMP_RET_ERRNO | ENOSYS],
    ['fchmodat2 (6.6)', AUDIT_ARCH_X86_64, 452, SECCOMP_RET_ERRNO | ENOSYS],
    ['an x32 call', AUDIT_ARCH_X86_64, 0x40000000, SECCOMP_RET_ERRNO | ENOSYS],
    ['another architecture', 0xc00000b7, 452, SECCOMP_RET_ALLOW],
  ])('%s', (_name, arch, nr, action) => {
    expect(evaluate(KERNEL_FLOOR_PROGRAM, arch, nr)).toBe(action);
  });
  const AARCH64 = platformById('linux-aarch64')!.auditArch;
  it.each([
    ['read (63 on AArch64)', 63, SECCOMP_RET_ALLOW],
    ['process_madvise (5.10)', 440, SECCOMP_RET_ALLOW],
    ['epoll_pwait2 (5.11)', 441, SECCOMP_RET_ERRNO | ENOSYS],
    ['futex_waitv (5.16)', 449, SECCOMP_RET_ERRNO | ENOSYS],
  ])('AArch64 (a native ARM machine): %s', (_name, nr, action) => {
    expect(evaluate(kernelFloorProgram(AARCH64), AARCH64, nr)).toBe(action);
    // the x86-64 program lets AArch64's calls through: the machine's own program must be used
    expect(evaluate(KERNEL_FLOOR_PROGRAM, AARCH64, nr)).toBe(SECCOMP_RET_ALLOW);
  });
  it.each([
    ['linux-x86_64', 'linux-x86_64', 'x86-64', undefined],
    ['linux-aarch64', 'linux-x86_64', 'x86-64', 'AArch64'],
    ['linux-aarch64', 'linux-aarch64', 'AArch64', undefined],
    [undefined, 'linux-x86_64', 'x86-64', undefined],
  ])("a %s bundle on a %s machine: the machine's calls are filtered", (bundle, host, filtered, emulated) => {
    const p = kernelFloorPlatforms(bundle, platformById(host));
    expect(p.filtered.label).toBe(filtered);
    expect(p.emulated?.label).toBe(emulated);
    expect(filterDescription(p)).toMatch(emulated ? /ran under qemu-user/ : /^every .* answers ENOSYS$/);
  });
  it('is laid out as struct sock_filter', () => {
    const bytes = kernelFloorFilter();
    expect(bytes).toHaveLength(KERNEL_FLOOR_PROGRAM.length * 8);
    expect(bytes.subarray(40, 48)).toEqual(Buffer.from([0x06, 0, 0, 0, 0x26, 0, 0x05, 0x00]));
  });
});

/** A minimal walredo: answers H with a zero page and G with the page pushed by P. */
const TOY_WALREDO = `
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int readn(char *b, size_t n) { size_t g = 0; while (g < n) { ssize_t r = read(0, b + g, n - g); if (r <= 0) return -1; g += (size_t) r; } return 0; }
int main(void) {
  static char page[8192], zero[8192], msg[8192 + 64];
  for (;;) {
    unsigned char h[5];
    if (readn((char *) h, 5) < 0) return 0;
    unsigned len = ((unsigned) h[1] << 24 | h[2] << 16 | h[3] << 8 | h[4]) - 4;
    if (len > sizeof(msg) || readn(msg, len) < 0) return 1;
    if (h[0] == 'H') write(1, zero, 8192);
    else if (h[0] == 'P') memcpy(page, msg + 17, 8192);
    else if (h[0] == 'G') write(1, page, 8192);
  }
}
`;
const OLD_KERNEL_INITDB = '#include <unistd.h>\nint main(void) { return getpid() > 0 ? 0 : 1; }\n';
/** fchmodat2 (Linux 6.6): a program that needs it fails where the kernel answers ENOSYS. */
const NEW_KERNEL_INITDB =
  '#include <errno.h>\n#include <stdio.h>\n#include <unistd.h>\n#include <sys/syscall.h>\nint main(void) { if (syscall(452, -100, "/nonexistent-pg-bundle", 0755, 0) != 0 && errno == ENOSYS) { fputs("fchmodat2: Function not implemented\\n", stderr); return 1; } return 0; }\n';

const haveBwrap = ['/usr/bin/bwrap', '/bin/bwrap'].some((p) => existsSync(p));
(haveBwrap ? describe : describe.skip)('kernel-floor check on real programs under bwrap', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'kernel-floor-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function check(initdb: string) {
    const bin = join(root, 'bundle/v15/bin');
    mkdirSync(bin, { recursive: true });
    compileC(bin, 'initdb', initdb, ['-static']);
    compileC(bin, 'postgres', TOY_WALREDO, ['-static']);
    const ctx = {
      bundleDir: join(root, 'bundle'),
      major: 15,
      dir: 'v15',
      log: new MemoryLogger(),
      facts: {},
      sandbox: await createSandbox('bwrap', join(root, 'bundle'), join(root, 'work')),
    } as unknown as VersionContext;
    return checkKernelFloor(ctx);
  }

  it('passes for programs that use only system calls Linux 5.10 has', async () => {
    expect(await check(OLD_KERNEL_INITDB)).toMatchObject({ status: 'pass' });
  });
  it('fails for an initdb that needs a system call newer than Linux 5.10', async () => {
    const r = await check(NEW_KERNEL_INITDB);
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/^v15\/bin\/initdb exited with code 1 under a Linux 5\.10 system call filter/);
    expect(r.detail).toContain('fchmodat2: Function not implemented');
  });
});
