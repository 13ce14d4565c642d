import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateModuleTable } from '../../../src/compile/module-table';
import { prepareModule } from '../../../src/compile/modules';
import { runtimeDir } from '../../../src/compile/runtime';

/**
 * The whole module-linking path on real objects: two "modules" defining the same symbol names are
 * merged (ld -r), renamed (objcopy), tabled (generated C) and served by the wrapped dlopen/dlsym
 * in a static program.
 */
const moduleSource = (answer: number) => `
int Pg_magic_func(void) { return ${answer}; }
int shared_name = ${answer};
static int helper(void) { return ${answer}; }
int get_answer(void) { return helper() + shared_name - ${answer}; }
`;

const mainSource = `
#include <dlfcn.h>
#include <stdio.h>
int main(void) {
  void *a = dlopen("/anywhere/lib/postgresql/mod_a.so", RTLD_NOW | RTLD_GLOBAL);
  void *b = dlopen("$libdir/mod_b", RTLD_NOW);
  int (*fa)(void) = (int (*)(void)) dlsym(a, "get_answer");
  int (*fb)(void) = (int (*)(void)) dlsym(b, "get_answer");
  printf("a=%d b=%d\\n", fa(), fb());
  void *missing = dlsym(a, "_PG_init");
  printf("missing=%s err=%s\\n", missing ? "found" : "null", dlerror());
  printf("again=%s\\n", dlerror() ? "set" : "null");
  void *c = dlopen("/x/lib/postgresql/plpython3.so", RTLD_NOW);
  const char *err = dlerror();
  printf("unknown=%s err=%s\\n", c ? "found" : "null", err);
  return dlclose(a);
}
`;

test('linked-in modules with clashing symbol names are served by the wrapped loader', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgb-dl-'));
  const modules = [];
  for (const [name, answer] of [
    ['mod_a', 41],
    ['mod_b', 42],
  ] as const) {
    const src = join(dir, `${name}.c`);
    writeFileSync(src, moduleSource(answer));
    execFileSync('gcc', ['-O1', '-fPIC', '-c', '-o', join(dir, `${name}.src.o`), src]);
    modules.push(await prepareModule(name, [join(dir, `${name}.src.o`)], 'test', [], join(dir, 'work')));
  }
  expect(modules[0].symbols).toEqual(['Pg_magic_func', 'get_answer', 'shared_name']);
  writeFileSync(join(dir, 'table.c'), generateModuleTable(modules));
  writeFileSync(join(dir, 'main.c'), mainSource);
  const exe = join(dir, 'prog');
  execFileSync('gcc', [
    '-static',
    `-I${runtimeDir()}`,
    '-o',
    exe,
    join(dir, 'main.c'),
    join(dir, 'table.c'),
    join(runtimeDir(), 'pgb_dl.c'),
    ...modules.map((m) => m.object),
    '-Wl,--wrap=dlopen,--wrap=dlsym,--wrap=dlerror,--wrap=dlclose',
  ]);
  const out = execFileSync(exe, { env: {} }).toString();
  expect(out).toBe(
    'a=41 b=42\n' +
      'missing=null err=undefined symbol: _PG_init\n' +
      'again=null\n' +
      'unknown=null err=/x/lib/postgresql/plpython3.so: this static postgres (pg-bundle) has no such module linked in; rebuild the bundle with --module for it\n',
  );
});
