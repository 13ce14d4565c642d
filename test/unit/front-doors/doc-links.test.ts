/** The README and the pages under docs/ link only to files and headings that exist, and the README stays short. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { packageRoot } from '../../../src/util/package-root';

const root = packageRoot();
const PAGES = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks, with inline code spans kept as plain text (GitHub links nothing inside code). */
function prose(markdown: string): string {
  return markdown
    .replace(/^[ \t]*(```|~~~)[^\n]*\n[\s\S]*?^[ \t]*\1[ \t]*$/gm, '')
    .replace(/`+([^`\n]*)`+/g, '$1');
}

/** GitHub's anchor for a heading: lowercase, punctuation other than '-' and '_' dropped, spaces to '-'. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page's headings, with GitHub's -1, -2 … suffixes for repeated ones. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = slug(m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Relative link targets of a page (no scheme, no protocol-relative URL). */
function relativeLinks(markdown: string): string[] {
  const links = [...prose(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  return links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l) && !l.startsWith('//'));
}

describe('documentation links', () => {
  test('slug follows GitHub', () => {
    expect(slug('Use it on a machine (Debian 12, root or sudo)')).toBe(
      'use-it-on-a-machine-debian-12-root-or-sudo',
    );
    expect(slug('A WAL sample: verify --wal')).toBe('a-wal-sample-verify---wal');
    expect(slug('outdated.yml')).toBe('outdatedyml');
    expect(slug('What a pin bump measures')).toBe('what-a-pin-bump-measures');
  });

  test.each(PAGES)('%s: every relative link names an existing file, and every #anchor a heading', (page) => {
    const text = readFileSync(join(root, page), 'utf8');
    const broken: string[] = [];
    for (const link of relativeLinks(text)) {
      const [path, anchor] = link.split('#', 2);
      const target =
        path === '' ? join(root, page) : join(dirname(join(root, page)), decodeURIComponent(path));
      if (!existsSync(target)) {
        broken.push(`${link}: no file ${relative(root, target)}`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!statSync(target).isFile() || !target.endsWith('.md')) {
        broken.push(`${link}: an anchor into something other than a Markdown file`);
        continue;
      }
      if (!anchors(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${link}: ${relative(root, target)} has no heading #${anchor}`);
    }
    expect(broken).toEqual([]);
  });

  test('every page under docs/ is reachable from the README', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const linked = new Set(relativeLinks(readme).map((l) => l.split('#')[0]));
    expect(PAGES.filter((p) => p.startsWith('docs/') && !linked.has(p))).toEqual([]);
  });

  test('README.md is under 24,000 bytes (reference material lives under docs/)', () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThan(24_000);
  });
});
