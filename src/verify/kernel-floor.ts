/**
 * The bundle's one promise about the host is "Linux >= 5.10". This classic-BPF seccomp program
 * (pure: bytes in the layout of struct sock_filter) answers ENOSYS for every system call of one
 * architecture that Linux 5.10 does not have (numbers from 441 up, e.g. epoll_pwait2, landlock,
 * futex_waitv, fchmodat2), as an older kernel would. Running initdb and walredo under it proves
 * they do not depend on a newer kernel. Since Linux 5.1 every architecture numbers new calls alike
 * (424 up), so 441 is the first after 5.10 on x86-64 and AArch64 both. Other architectures than
 * the filter's are let through.
 */
import { platformById } from '../core/platform';

/** The first system call number that Linux 5.10 lacks (epoll_pwait2, Linux 5.11), x86-64 and AArch64. */
export const FIRST_SYSCALL_AFTER_5_10 = 441;
export const AUDIT_ARCH_X86_64 = platformById('linux-x86_64')!.auditArch;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const ENOSYS = 38;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_RET_K = 0x06;
/** offsets in struct seccomp_data */
const SECCOMP_DATA_NR = 0;
const SECCOMP_DATA_ARCH = 4;

export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The program for the system calls of `auditArch` (AUDIT_ARCH_*; pure). */
export function kernelFloorProgram(auditArch: number): readonly BpfInstruction[] {
  return [
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: SECCOMP_DATA_ARCH },
    { code: BPF_JEQ_K, jt: 0, jf: 2, k: auditArch }, // another architecture: allow
    { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: SECCOMP_DATA_NR },
    { code: BPF_JGE_K, jt: 1, jf: 0, k: FIRST_SYSCALL_AFTER_5_10 }, // newer than 5.10 (x32 too): ENOSYS
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW },
    { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ERRNO | ENOSYS },
  ];
}

export const KERNEL_FLOOR_PROGRAM = kernelFloorProgram(AUDIT_ARCH_X86_64);

/** The program as bwrap's `--seccomp FD` reads it: struct sock_filter entries, host byte order (little-endian). */
export function kernelFloorFilter(program: readonly BpfInstruction[] = KERNEL_FLOOR_PROGRAM): Buffer {
  const buf = Buffer.alloc(program.length * 8);
  program.forEach((insn, i) => {
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(insn.jt, i * 8 + 2);
    buf.writeUInt8(insn.jf, i * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buf;
}
