import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilerFrontDir, realCompiler } from '../../../src/build/compiler-front';

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

  it('never finds itself as the real compiler', () => {
    const front = compilerFrontDir(join(dir, 'cache'), realCompiler('gcc'));
    expect(realCompiler('gcc', `${front}:${process.env.PATH}`)).not.toContain('compiler-front');
  });
});
