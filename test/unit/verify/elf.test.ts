import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canaryLoads,
  compareVersions,
  ElfError,
  ElfFacts,
  isElf,
  minKernelProblem,
  parseElf,
  stackProtectorFlag,
  staticProblems,
} from '../../../src/verify/elf';
import { compileC, HELLO, NEW_KERNEL_NOTE } from './gcc';

/** A hand-made 32-bit big-endian executable with PT_INTERP and a dynamic section (DT_NEEDED, DT_RUNPATH). */
function elf32BigEndian(): Buffer {
  const buf = Buffer.alloc(224);
  buf.set([0x7f, 0x45, 0x4c, 0x46, 1, 2, 1], 0);
  buf.writeUInt16BE(2, 16); // ET_EXEC
  buf.writeUInt16BE(8, 18); // EM_MIPS
  buf.writeUInt32BE(1, 20);
  buf.writeUInt32BE(52, 28); // e_phoff
  buf.writeUInt16BE(52, 40);
  buf.writeUInt16BE(32, 42); // e_phentsize
  buf.writeUInt16BE(3, 44); // e_phnum
  const phdr = (i: number, type: number, offset: number, vaddr: number, filesz: number) => {
    const at = 52 + i * 32;
    buf.writeUInt32BE(type, at);
    buf.writeUInt32BE(offset, at + 4);
    buf.writeUInt32BE(vaddr, at + 8);
    buf.writeUInt32BE(filesz, at + 16);
    buf.writeUInt32BE(4, at + 28);
  };
  phdr(0, 1, 0, 0x10000, 224); // PT_LOAD
  phdr(1, 3, 148, 0x10000 + 148, 13); // PT_INTERP
  phdr(2, 2, 184, 0x10000 + 184, 40); // PT_DYNAMIC
  buf.write('/lib/ld.so.1\0', 148, 'latin1');
  buf.write('\0libc.so.6\0/opt/lib\0', 164, 'latin1');
  const dyn: Array<[number, number]> = [
    [1, 1],
    [29, 11],
    [5, 0x10000 + 164],
    [10, 20],
    [0, 0],
  ];
  dyn.forEach(([tag, val], i) => {
    buf.writeUInt32BE(tag, 184 + i * 8);
    buf.writeUInt32BE(val, 188 + i * 8);
  });
  return buf;
}

describe('parseElf on binaries compiled by gcc', () => {
  let dir: string;
  const bins: Record<string, Buffer> = {};
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'elf-test-'));
    const build = (name: string, source: string, flags: string[]) =>
      (bins[name] = readFileSync(compileC(dir, name, source, flags)));
    build('static', HELLO, ['-static']);
    build('static-pie', HELLO, ['-static-pie']);
    build('dynamic', HELLO, []);
    build('rpath', HELLO, ['-Wl,-rpath,/opt/build/lib', '-Wl,--disable-new-dtags']);
    build('runpath', HELLO, ['-Wl,-rpath,$ORIGIN/../lib', '-Wl,--enable-new-dtags']);
    build('shared', '#include <stdio.h>\nvoid f(void) { puts("x"); }\n', ['-shared', '-fPIC']);
    build('new-kernel', NEW_KERNEL_NOTE, ['-static', '-nostdlib']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<[string, Partial<ElfFacts>, string[]]> = [
    ['static', { type: 'executable', hasDynamic: false, needed: [] }, []],
    ['static-pie', { type: 'shared', hasDynamic: true, needed: [] }, []],
    ['dynamic', { hasDynamic: true, needed: ['libc.so.6'], rpath: [], runpath: [] }, ['DT_NEEDED libc.so.6']],
    ['rpath', { rpath: ['/opt/build/lib'], runpath: [] }, ['DT_RPATH /opt/build/lib']],
    ['runpath', { rpath: [], runpath: ['$ORIGIN/../lib'] }, ['DT_RUNPATH $ORIGIN/../lib']],
    ['shared', { type: 'shared', needed: ['libc.so.6'] }, ['DT_NEEDED libc.so.6']],
  ];
  it.each(cases)('%s', (name, expected, problemsContain) => {
    const facts = parseElf(bins[name]);
    expect(facts).toMatchObject({ bits: 64, endianness: 'little', ...expected });
    const problems = staticProblems(facts);
    for (const p of problemsContain) expect(problems).toContain(p);
    if (problemsContain.length === 0) expect(problems).toEqual([]);
    if (name !== 'dynamic' && name !== 'rpath' && name !== 'runpath')
      expect(facts.interpreter).toBeUndefined();
  });

  it('names the dynamic loader of a dynamic executable', () => {
    const facts = parseElf(bins.dynamic);
    expect(facts.interpreter).toMatch(/^\/lib.*\/ld-linux.*\.so\.\d$/);
    expect(staticProblems(facts)[0]).toBe(`PT_INTERP ${facts.interpreter}`);
  });

  it('reads the ABI note of glibc programs and of a hand-written note', () => {
    const glibc = parseElf(bins.static).abiTag!;
    expect(glibc.os).toBe('Linux');
    expect(compareVersions(glibc.kernel, [5, 10, 0])).toBeLessThanOrEqual(0);
    expect(minKernelProblem(parseElf(bins.static), [5, 10, 0])).toBeUndefined();
    const custom = parseElf(bins['new-kernel']);
    expect(custom.abiTag).toEqual({ os: 'Linux', kernel: [6, 1, 0] });
    expect(minKernelProblem(custom, [5, 10, 0])).toBe(
      'NT_GNU_ABI_TAG asks for Linux 6.1.0, newer than 5.10.0',
    );
  });

  it('raises ElfError on a truncated file', () => {
    expect(() => parseElf(bins.dynamic.subarray(0, 100))).toThrow(ElfError);
    expect(() => parseElf(bins.dynamic.subarray(0, 100))).toThrow(/truncated ELF: program header/);
    expect(() => parseElf(bins.dynamic.subarray(0, 20))).toThrow(/shorter than an ELF header/);
  });
});

describe('parseElf on hand-made and broken input', () => {
  it('reads a 32-bit big-endian executable', () => {
    const facts = parseElf(elf32BigEndian());
    expect(facts).toEqual({
      bits: 32,
      endianness: 'big',
      type: 'executable',
      machine: 8,
      interpreter: '/lib/ld.so.1',
      hasDynamic: true,
      needed: ['libc.so.6'],
      rpath: [],
      runpath: ['/opt/lib'],
      // no PT_GNU_STACK: the kernel's default, an executable stack
      executableStack: true,
      relro: false,
    });
    expect(staticProblems(facts)).toEqual([
      'PT_INTERP /lib/ld.so.1',
      'DT_NEEDED libc.so.6',
      'DT_RUNPATH /opt/lib',
    ]);
  });

  it.each<[string, Buffer, RegExp]>([
    ['garbage', Buffer.from('this is not an executable at all, just text'), /not an ELF file/],
    ['empty', Buffer.alloc(0), /not an ELF file/],
    [
      'bad class',
      Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 7, 1]), Buffer.alloc(60)]),
      /unknown class 7/,
    ],
    [
      'bad byte order',
      Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 9]), Buffer.alloc(60)]),
      /unknown byte order 9/,
    ],
  ])('%s raises ElfError', (_name, buf, message) => {
    expect(isElf(buf)).toBe(buf.length >= 4 && buf[0] === 0x7f);
    expect(() => parseElf(buf)).toThrow(message);
  });

  it('rejects a dynamic string that runs past the end of the file', () => {
    const buf = elf32BigEndian();
    buf.writeUInt32BE(500, 188); // DT_NEEDED points far beyond the string table
    expect(() => parseElf(buf)).toThrow(ElfError);
  });

  it.each([
    [[3, 2, 0], [5, 10, 0], -1],
    [[5, 10, 0], [5, 10, 0], 0],
    [[5, 10], [5, 10, 0], 0],
    [[6, 1, 0], [5, 10, 0], 1],
    [[5, 9, 99], [5, 10, 0], -1],
  ])('compareVersions(%j, %j) has sign %i', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe('stack protector evidence', () => {
  const PROTECTED =
    '#include <stdio.h>\n#include <string.h>\nint copy(const char *s) { char b[64]; strcpy(b, s); return puts(b); }\nint main(int c, char **v) { (void) c; return copy(v[0]) < 0; }\n';
  it('counts one more canary load for a function compiled with the stack protector', () => {
    const dir = mkdtempSync(join(tmpdir(), 'elf-canary-'));
    try {
      const on = readFileSync(compileC(dir, 'on', PROTECTED, ['-static', '-fstack-protector-strong']));
      const off = readFileSync(compileC(dir, 'off', PROTECTED, ['-static', '-fno-stack-protector']));
      expect(canaryLoads(on)).toBeGreaterThan(canaryLoads(off));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it.each([
    ['CFLAGS = -O2 -g -fstack-protector-strong -fwrapv', '-fstack-protector-strong'],
    ['-fstack-protector-all', '-fstack-protector-all'],
    ['-O2 -g', undefined],
    ['__stack_chk_fail *** stack smashing detected ***', undefined],
  ])('stackProtectorFlag(%j) = %s', (text, flag) => {
    expect(stackProtectorFlag(Buffer.from(`\0${text}\0`))).toBe(flag);
  });
});
