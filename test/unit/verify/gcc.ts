/** Test helper: compiles small C programs with the system gcc into a directory (real ELF files, no fakes). */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function compileC(dir: string, name: string, source: string, flags: string[] = []): string {
  const src = join(dir, `${name}.c`);
  const out = join(dir, name);
  writeFileSync(src, source);
  execFileSync('gcc', ['-O1', '-o', out, src, ...flags], { stdio: 'pipe' });
  return out;
}

export const HELLO = '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n';

/** A static program without libc whose only ABI note asks for Linux 6.1.0. */
export const NEW_KERNEL_NOTE = `
struct abi { unsigned namesz, descsz, type; char name[4]; unsigned desc[4]; };
__attribute__((section(".note.ABI-tag"), aligned(4), used)) static const struct abi tag = {4, 16, 1, "GNU", {0, 6, 1, 0}};
void _start(void) { for (;;) ; }
`;
