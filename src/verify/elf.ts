/**
 * A small ELF reader (pure: Buffer in, facts out) for the bundle audit: is a file an ELF, is it
 * statically linked (no PT_INTERP, no DT_NEEDED, no DT_RPATH/DT_RUNPATH), and which minimum kernel
 * does its NT_GNU_ABI_TAG note ask for. Only what the verdict needs is read; 32/64-bit and both
 * byte orders are supported. Malformed input raises ElfError naming the broken structure.
 */

export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export type ElfType = 'none' | 'relocatable' | 'executable' | 'shared' | 'core' | 'other';

export interface ElfFacts {
  bits: 32 | 64;
  endianness: 'little' | 'big';
  type: ElfType;
  machine: number;
  /** PT_INTERP: the dynamic loader the kernel would start */
  interpreter?: string;
  /** true when the file has a PT_DYNAMIC segment (static-pie binaries have one, without DT_NEEDED) */
  hasDynamic: boolean;
  needed: string[];
  rpath: string[];
  runpath: string[];
  /** from the NT_GNU_ABI_TAG note ("GNU", type 1) */
  abiTag?: { os: string; kernel: [number, number, number] };
  /** PT_GNU_STACK: whether the stack is executable (no PT_GNU_STACK: the kernel's default, executable) */
  executableStack: boolean;
  /** PT_GNU_RELRO: part of the data is made read-only after relocation */
  relro: boolean;
}

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_NOTE = 4;
const DT_NULL = 0;
const DT_NEEDED = 1;
const DT_STRTAB = 5;
const DT_STRSZ = 10;
const DT_RPATH = 15;
const DT_RUNPATH = 29;
const PT_GNU_STACK = 0x6474e551;
const PT_GNU_RELRO = 0x6474e552;
const PF_X = 1;
const NT_GNU_ABI_TAG = 1;
const ABI_OS = ['Linux', 'GNU', 'Solaris', 'FreeBSD'];

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

interface Segment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  align: number;
}

/** Bounds-checked reads in the file's byte order. */
class Reader {
  constructor(
    readonly buf: Buffer,
    readonly little: boolean,
    readonly bits: 32 | 64,
  ) {}
  private need(offset: number, size: number, what: string): void {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + size > this.buf.length) {
      throw new ElfError(
        `truncated ELF: ${what} at offset ${offset} (+${size}) lies beyond the end of the file (${this.buf.length} bytes)`,
      );
    }
  }
  u16(offset: number, what: string): number {
    this.need(offset, 2, what);
    return this.little ? this.buf.readUInt16LE(offset) : this.buf.readUInt16BE(offset);
  }
  u32(offset: number, what: string): number {
    this.need(offset, 4, what);
    return this.little ? this.buf.readUInt32LE(offset) : this.buf.readUInt32BE(offset);
  }
  u64(offset: number, what: string): number {
    this.need(offset, 8, what);
    const v = this.little ? this.buf.readBigUInt64LE(offset) : this.buf.readBigUInt64BE(offset);
    // values beyond 2^53 cannot be valid offsets or sizes in a file we can hold in memory
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  /** a word: 4 bytes in ELF32, 8 in ELF64 */
  word(offset: number, what: string): number {
    return this.bits === 64 ? this.u64(offset, what) : this.u32(offset, what);
  }
  cstring(offset: number, limit: number, what: string): string {
    this.need(offset, 1, what);
    const end = Math.min(limit, this.buf.length);
    const nul = this.buf.indexOf(0, offset);
    if (nul < 0 || nul >= end)
      throw new ElfError(`malformed ELF: ${what} at offset ${offset} is not NUL-terminated`);
    return this.buf.toString('latin1', offset, nul);
  }
}

function elfType(value: number): ElfType {
  return (['none', 'relocatable', 'executable', 'shared', 'core'] as const)[value] ?? 'other';
}

function readSegments(r: Reader): Segment[] {
  const is64 = r.bits === 64;
  const phoff = r.word(is64 ? 32 : 28, 'e_phoff');
  const phentsize = r.u16(is64 ? 54 : 42, 'e_phentsize');
  const phnum = r.u16(is64 ? 56 : 44, 'e_phnum');
  if (phnum === 0) return [];
  const minEntry = is64 ? 56 : 32;
  if (phentsize < minEntry)
    throw new ElfError(`malformed ELF: e_phentsize ${phentsize} is smaller than ${minEntry}`);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const what = `program header ${i}`;
    if (is64) {
      segments.push({
        type: r.u32(at, what),
        flags: r.u32(at + 4, what),
        offset: r.u64(at + 8, what),
        vaddr: r.u64(at + 16, what),
        filesz: r.u64(at + 32, what),
        align: r.u64(at + 48, what),
      });
    } else {
      segments.push({
        type: r.u32(at, what),
        flags: r.u32(at + 24, what),
        offset: r.u32(at + 4, what),
        vaddr: r.u32(at + 8, what),
        filesz: r.u32(at + 16, what),
        align: r.u32(at + 28, what),
      });
    }
  }
  return segments;
}

/** Maps a virtual address to a file offset through the PT_LOAD segments. */
function fileOffset(segments: Segment[], vaddr: number): number | undefined {
  for (const s of segments) {
    if (s.type === PT_LOAD && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz)
      return s.offset + (vaddr - s.vaddr);
  }
  return undefined;
}

function readDynamic(
  r: Reader,
  segments: Segment[],
  dyn: Segment,
): Pick<ElfFacts, 'needed' | 'rpath' | 'runpath'> {
  const entSize = r.bits === 64 ? 16 : 8;
  const entries: Array<[number, number]> = [];
  for (let at = dyn.offset; at + entSize <= dyn.offset + dyn.filesz; at += entSize) {
    const tag = r.word(at, 'dynamic entry');
    const val = r.word(at + entSize / 2, 'dynamic entry');
    if (tag === DT_NULL) break;
    entries.push([tag, val]);
  }
  const strtabAddr = entries.find(([t]) => t === DT_STRTAB)?.[1];
  const strsz = entries.find(([t]) => t === DT_STRSZ)?.[1] ?? Number.MAX_SAFE_INTEGER;
  const result = { needed: [] as string[], rpath: [] as string[], runpath: [] as string[] };
  const named = entries.filter(([t]) => t === DT_NEEDED || t === DT_RPATH || t === DT_RUNPATH);
  if (named.length === 0) return result;
  const strtab = strtabAddr === undefined ? undefined : fileOffset(segments, strtabAddr);
  if (strtab === undefined)
    throw new ElfError(
      'malformed ELF: DT_NEEDED/DT_RPATH/DT_RUNPATH present but DT_STRTAB is missing or not in a PT_LOAD segment',
    );
  for (const [tag, val] of named) {
    const name = r.cstring(strtab + val, strtab + strsz, 'dynamic string');
    if (tag === DT_NEEDED) result.needed.push(name);
    else if (tag === DT_RPATH) result.rpath.push(name);
    else result.runpath.push(name);
  }
  return result;
}

function readAbiTag(r: Reader, note: Segment): ElfFacts['abiTag'] {
  const align = note.align === 8 ? 8 : 4;
  const pad = (n: number) => (n + align - 1) & ~(align - 1);
  let at = note.offset;
  const end = note.offset + note.filesz;
  while (at + 12 <= end) {
    const namesz = r.u32(at, 'note header');
    const descsz = r.u32(at + 4, 'note header');
    const type = r.u32(at + 8, 'note header');
    const nameAt = at + 12;
    const descAt = nameAt + pad(namesz);
    const name =
      namesz > 0 ? r.buf.toString('latin1', nameAt, Math.min(nameAt + namesz - 1, r.buf.length)) : '';
    if (name === 'GNU' && type === NT_GNU_ABI_TAG && descsz >= 16) {
      const os = r.u32(descAt, 'ABI tag');
      return {
        os: ABI_OS[os] ?? `os ${os}`,
        kernel: [r.u32(descAt + 4, 'ABI tag'), r.u32(descAt + 8, 'ABI tag'), r.u32(descAt + 12, 'ABI tag')],
      };
    }
    at = descAt + pad(descsz);
  }
  return undefined;
}

/** Reads the facts the audit needs from an ELF file's bytes. */
export function parseElf(buf: Buffer): ElfFacts {
  if (!isElf(buf)) throw new ElfError('not an ELF file (no \\x7fELF magic)');
  if (buf.length < 52) throw new ElfError(`truncated ELF: ${buf.length} bytes is shorter than an ELF header`);
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new ElfError(`malformed ELF: unknown class ${cls} in e_ident[EI_CLASS]`);
  if (data !== 1 && data !== 2)
    throw new ElfError(`malformed ELF: unknown byte order ${data} in e_ident[EI_DATA]`);
  const r = new Reader(buf, data === 1, cls === 2 ? 64 : 32);
  const segments = readSegments(r);
  const facts: ElfFacts = {
    bits: r.bits,
    endianness: r.little ? 'little' : 'big',
    type: elfType(r.u16(16, 'e_type')),
    machine: r.u16(18, 'e_machine'),
    hasDynamic: false,
    needed: [],
    rpath: [],
    runpath: [],
    executableStack: !segments.some((s) => s.type === PT_GNU_STACK && (s.flags & PF_X) === 0),
    relro: segments.some((s) => s.type === PT_GNU_RELRO),
  };
  for (const s of segments) {
    if (s.type === PT_INTERP) facts.interpreter = r.cstring(s.offset, s.offset + s.filesz, 'PT_INTERP');
    else if (s.type === PT_DYNAMIC) {
      facts.hasDynamic = true;
      Object.assign(facts, readDynamic(r, segments, s));
    } else if (s.type === PT_NOTE && !facts.abiTag) facts.abiTag = readAbiTag(r, s);
  }
  return facts;
}

/**
 * The -fstack-protector flag a PostgreSQL binary was compiled with (pure): postgres carries
 * configure's CFLAGS in its pg_config data. (glibc's own __stack_chk_fail is in every static
 * binary, so its presence proves nothing.)
 */
export function stackProtectorFlag(buf: Buffer): string | undefined {
  for (const flag of ['-fstack-protector-strong', '-fstack-protector-all', '-fstack-protector '])
    if (buf.includes(flag)) return flag.trim();
  return undefined;
}

/** x86-64 loads of the stack canary (`mov %fs:0x28, %reg`): one per protected function, roughly (pure). */
export function canaryLoads(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(0x64); i !== -1 && i + 9 <= buf.length; i = buf.indexOf(0x64, i + 1)) {
    if (
      (buf[i + 1] & 0xf0) === 0x40 &&
      buf[i + 2] === 0x8b &&
      (buf[i + 3] & 0xc7) === 0x04 &&
      buf[i + 4] === 0x25 &&
      buf[i + 5] === 0x28 &&
      buf[i + 6] === 0 &&
      buf[i + 7] === 0 &&
      buf[i + 8] === 0
    )
      n++;
  }
  return n;
}

/** What makes a binary not static, each naming the offending entry; empty when it is static. */
export function staticProblems(facts: ElfFacts): string[] {
  const problems: string[] = [];
  if (facts.interpreter !== undefined) problems.push(`PT_INTERP ${facts.interpreter}`);
  for (const n of facts.needed) problems.push(`DT_NEEDED ${n}`);
  for (const p of facts.rpath) problems.push(`DT_RPATH ${p}`);
  for (const p of facts.runpath) problems.push(`DT_RUNPATH ${p}`);
  return problems;
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** A problem when the ABI note asks for a newer kernel than `max`; undefined when fine or absent. */
export function minKernelProblem(facts: ElfFacts, max: readonly number[]): string | undefined {
  if (!facts.abiTag) return undefined;
  if (compareVersions(facts.abiTag.kernel, max) > 0) {
    return `NT_GNU_ABI_TAG asks for ${facts.abiTag.os} ${facts.abiTag.kernel.join('.')}, newer than ${max.join('.')}`;
  }
  return undefined;
}
