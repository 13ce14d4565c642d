import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ccacheEnv, findCcache, parseCcacheStats } from '../../../src/compile/ccache';
import { compilerFrontDir, realCompiler } from '../../../src/compile/compiler-front';

describe('compiler front', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'front- dir '))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('maps the source and build directories out of the debug info, paths with spaces included', () => {
    const front = compilerFrontDir(join(dir, 'cache'), realCompiler('gcc'));
    const src = join(dir, 'my source');
    execFileSync('mkdir', ['-p', src]);
    writeFileSync(join(src, 'x.c'), 'int x(void) { return 1; }\n');
    const env = {
      ...process.env,
      PATH: `${front}:${process.env.PATH}`,
      PGB_MAP_SOURCE: src,
      PGB_MAP_BUILD: dir,
    };
    execFileSync('gcc', ['-g', '-c', join(src, 'x.c'), '-o', join(dir, 'x.o')], { env, cwd: dir });
    const object = readFileSync(join(dir, 'x.o'));
    expect(object.includes(dir)).toBe(false);
    // without the maps the path is in the object
    execFileSync(realCompiler('gcc'), ['-g', '-c', join(src, 'x.c'), '-o', join(dir, 'y.o')], { cwd: dir });
    expect(readFileSync(join(dir, 'y.o')).includes(dir)).toBe(true);
  });

  it('through ccache: the same object bytes, no path in them, and a second compile served from the cache', () => {
    const ccache = findCcache();
    if (!ccache) throw new Error('ccache is not installed (pg-bundle doctor --install-deps)');
    const front = compilerFrontDir(join(dir, 'cache'), realCompiler('gcc'));
    const src = join(dir, 'src');
    execFileSync('mkdir', ['-p', src]);
    writeFileSync(join(src, 'x.c'), 'const char *where(void) { return __FILE__; }\n');
    const base = {
      ...process.env,
      PATH: `${front}:${process.env.PATH}`,
      PGB_MAP_SOURCE: src,
      PGB_MAP_BUILD: dir,
    };
    const compile = (out: string, env: NodeJS.ProcessEnv) =>
      execFileSync('gcc', ['-g', '-O2', '-c', join(src, 'x.c'), '-o', join(dir, out)], { env, cwd: dir });
    compile('plain.o', base);
    const withCcache = { ...base, ...ccacheEnv(join(dir, 'cache'), ccache) };
    compile('miss.o', withCcache);
    compile('hit.o', withCcache);
    const plain = readFileSync(join(dir, 'plain.o'));
    expect(readFileSync(join(dir, 'miss.o')).equals(plain)).toBe(true);
    expect(readFileSync(join(dir, 'hit.o')).equals(plain)).toBe(true);
    expect(plain.includes(dir)).toBe(false);
    expect(
      parseCcacheStats(execFileSync(ccache, ['--print-stats'], { env: withCcache, encoding: 'utf8' })),
    ).toEqual({
      hits: 1,
      misses: 1,
    });
  });

  it('never finds itself as the real compiler', () => {
    const front = compilerFrontDir(join(dir, 'cache'), realCompiler('gcc'));
    expect(realCompiler('gcc', `${front}:${process.env.PATH}`)).not.toContain('compiler-front');
  });
});
