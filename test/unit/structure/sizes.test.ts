/**
 * Sizes the project keeps: no file in src/ over 400 lines and no function over 80. ESLint checks
 * the TypeScript (max-lines, max-lines-per-function in eslint.config.mjs); this checks the C in
 * src/ (the VM guest's init), written in PostgreSQL's style: a function's body opens with `{` and
 * closes with `}` alone on a line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../../../src/util/package-root';

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

/** Every file under `dir` whose name ends with one of `endings`. */
function filesUnder(dir: string, endings: string[]): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && endings.some((x) => e.name.endsWith(x)))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * The C functions of `text` and their length in lines from the line that names them to the closing
 * brace (pure). PostgreSQL's style: the name at the start of a line, the body's `{` and `}` alone.
 */
function cFunctionLengths(text: string): { name: string; lines: number }[] {
  const lines = text.split('\n');
  const found: { name: string; lines: number }[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] !== '{') continue;
    // the name is on the line before the brace, or a few lines up when the parameters wrap
    const start = [1, 2, 3, 4, 5].map((k) => i - k).find((k) => k >= 0 && /^[A-Za-z_]\w*\(/.test(lines[k]));
    const end = lines.indexOf('}', i);
    if (start === undefined || end < 0) continue; // an initialiser, not a function
    found.push({ name: lines[start].split('(')[0], lines: end - start + 1 });
  }
  return found;
}

test.each<[string, { name: string; lines: number }[]]>([
  ['static int\nf(void)\n{\n\treturn 1;\n}\n', [{ name: 'f', lines: 4 }]],
  ['static const int t[] =\n{\n\t1,\n};\n', []],
  ['int\ng(int a,\n  int b)\n{\n}\n', [{ name: 'g', lines: 4 }]],
])('cFunctionLengths(%j)', (text, expected) => expect(cFunctionLengths(text)).toEqual(expected));

const root = packageRoot();
const src = join(root, 'src');

test(`no file in src/ is over ${MAX_FILE_LINES} lines`, () => {
  const long = filesUnder(src, ['.ts', '.c', '.h'])
    .map((f) => ({ file: relative(root, f), lines: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((f) => f.lines > MAX_FILE_LINES);
  expect(long).toEqual([]);
});

test(`no C function in src/ is over ${MAX_FUNCTION_LINES} lines`, () => {
  const long = filesUnder(src, ['.c']).flatMap((f) =>
    cFunctionLengths(readFileSync(f, 'utf8'))
      .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
      .map((fn) => `${relative(root, f)}: ${fn.name} (${fn.lines} lines)`),
  );
  expect(long).toEqual([]);
});
