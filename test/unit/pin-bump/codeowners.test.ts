import {
  chooseCodeownersFile,
  compilePattern,
  ownerKind,
  ownersOf,
  parseCodeowners,
  patternProblem,
} from '../../../src/pin-bump/codeowners';

describe('CODEOWNERS pattern matching (GitHub rules)', () => {
  // [pattern, path, matches]
  const cases: Array<[string, string, boolean]> = [
    // unanchored (no slash, or only a trailing one): any depth
    ['postgres-bundle.json', 'postgres-bundle.json', true],
    ['postgres-bundle.json', 'pageserver/postgres-bundle.json', true],
    ['postgres-bundle.json', 'pageserver/postgres-bundle.json.bak', false],
    ['*.json', 'pageserver/postgres-bundle.json', true],
    ['*.json', 'a/b/c/d.json', true],
    ['*.js', 'src/app.jsx', false],
    ['apps/', 'apps/x.js', true],
    ['apps/', 'deep/apps/x/y.js', true],
    ['apps/', 'apps', false], // a trailing slash matches directories only
    ['logs', 'build/logs/today.txt', true], // a name matches a directory and everything below
    // anchored: leading slash, or a slash in the middle
    ['/pageserver/postgres-bundle.json', 'pageserver/postgres-bundle.json', true],
    ['/postgres-bundle.json', 'pageserver/postgres-bundle.json', false],
    ['pageserver/postgres-bundle.json', 'pageserver/postgres-bundle.json', true],
    ['pageserver/postgres-bundle.json', 'vendor/pageserver/postgres-bundle.json', false],
    ['/build/logs/', 'build/logs/a/b.log', true],
    ['/build/logs/', 'x/build/logs/a.log', false],
    ['/pageserver/', 'pageserver/postgres-bundle.json', true],
    ['/pageserver', 'pageserver/postgres-bundle.json', true],
    ['/apps/github', 'apps/github/deep/file.rb', true],
    ['/apps/github', 'apps/githubx/file.rb', false],
    // `*` vs `**`
    ['docs/*', 'docs/getting-started.md', true],
    ['docs/*', 'docs/build-app/troubleshooting.md', false], // GitHub: direct children only
    ['/pageserver/*', 'pageserver/postgres-bundle.json', true],
    ['/pageserver/*', 'pageserver/sub/postgres-bundle.json', false],
    ['docs/**', 'docs/build-app/troubleshooting.md', true],
    ['docs/**', 'docs', false],
    ['**/logs', 'deeply/nested/logs/x.txt', true],
    ['**/logs', 'logs/x.txt', true],
    ['**/postgres-bundle.json', 'pageserver/postgres-bundle.json', true],
    ['a/**/b', 'a/b', true],
    ['a/**/b', 'a/x/y/b', true],
    ['a/**/b', 'x/a/b', false],
    ['/page*/*.json', 'pageserver/postgres-bundle.json', true],
    ['/page*/*.json', 'pageserver/nested/postgres-bundle.json', false],
    ['*', 'anything/at/all.txt', true],
    ['**', 'anything/at/all.txt', true],
    ['pageserver/postgres-bundle.???n', 'pageserver/postgres-bundle.json', true],
    ['pageserver/postgres-bundle.?', 'pageserver/postgres-bundle.json', false],
    // case-sensitive
    ['/PageServer/', 'pageserver/postgres-bundle.json', false],
    ['*.JSON', 'pageserver/postgres-bundle.json', false],
    // regular-expression characters are literal
    ['/a+b/(c).json', 'a+b/(c).json', true],
    ['/a.b', 'axb', false],
  ];
  test.each(cases)('%s vs %s → %s', (pattern, path, expected) => {
    expect(compilePattern(pattern).test(path)).toBe(expected);
  });
});

describe('CODEOWNERS syntax GitHub does not support', () => {
  const cases: Array<[string, RegExp]> = [
    ['!pageserver/', /negation/],
    ['/pageserver/[ab].json', /character ranges/],
    ['\\#file', /escaping/],
    ['/', /names no path/],
    ['a//b', /empty path segment/],
  ];
  test.each(cases)('%s is invalid', (pattern, message) => {
    expect(patternProblem(pattern)?.message).toMatch(message);
    expect(() => compilePattern(pattern)).toThrow(message);
  });
});

describe('owners', () => {
  const cases: Array<[string, string | undefined]> = [
    ['@octocat', 'user'],
    ['@neondatabase/storage', 'team'],
    ['@org/team.name_1', 'team'],
    ['docs@example.com', 'email'],
    ['octocat', undefined],
    ['@', undefined],
    ['@org/', undefined],
    ['@-bad', undefined],
  ];
  test.each(cases)('%s is %s', (owner, kind) => expect(ownerKind(owner)).toBe(kind));
});

describe('parseCodeowners and ownersOf', () => {
  const pin = 'pageserver/postgres-bundle.json';

  test('the last matching rule wins over earlier ones', () => {
    const co = parseCodeowners(
      ['* @org/everyone', '/pageserver/ @org/storage', '*.json @org/config'].join('\n'),
    );
    const o = ownersOf(co, pin);
    expect(o.owners).toEqual(['@org/config']);
    expect(o.rule?.line).toBe(3);
  });

  test('a later, more general rule still overrides a specific earlier one', () => {
    const co = parseCodeowners(
      ['/pageserver/postgres-bundle.json @org/storage', 'pageserver/ @org/pageserver'].join('\n'),
    );
    expect(ownersOf(co, pin).owners).toEqual(['@org/pageserver']);
  });

  test('a rule without owners un-owns the path', () => {
    const co = parseCodeowners(['/pageserver/ @org/storage', '/pageserver/postgres-bundle.json'].join('\n'));
    const o = ownersOf(co, pin);
    expect(o.owners).toEqual([]);
    expect(o.rule?.line).toBe(2);
    expect(ownersOf(co, 'pageserver/src/lib.rs').owners).toEqual(['@org/storage']);
  });

  test('comments, inline comments and blank lines', () => {
    const co = parseCodeowners(
      [
        '# owners',
        '',
        '   # indented comment',
        '/pageserver/ @org/storage @alice # storage owns it',
        'foo#bar @bob',
      ].join('\r\n'),
    );
    expect(co.problems).toEqual([]);
    expect(co.rules.map((r) => [r.line, r.pattern, r.owners])).toEqual([
      [4, '/pageserver/', ['@org/storage', '@alice']],
      [5, 'foo#bar', ['@bob']],
    ]);
  });

  test('invalid lines are reported with line and column and skipped', () => {
    const co = parseCodeowners(
      [
        '/pageserver/ @org/storage',
        '!/pageserver/postgres-bundle.json @org/other',
        '/pageserver/[a-z]* @org/other',
        '\\#notacomment @org/other',
        '/pageserver/postgres-bundle.json storage-team',
      ].join('\n'),
    );
    expect(co.problems.map((p) => [p.line, p.column, p.kind])).toEqual([
      [2, 1, 'Invalid pattern'],
      [3, 13, 'Invalid pattern'],
      [4, 1, 'Invalid pattern'],
      [5, 34, 'Invalid owner'],
    ]);
    expect(co.rules.map((r) => r.line)).toEqual([1]);
    expect(ownersOf(co, pin).owners).toEqual(['@org/storage']);
  });

  test('a path nothing matches has no owners', () => {
    expect(ownersOf(parseCodeowners('/docs/ @org/docs\n'), pin)).toEqual({ owners: [] });
    expect(ownersOf(parseCodeowners(''), pin)).toEqual({ owners: [] });
  });

  test('a leading slash on the looked-up path is ignored', () => {
    expect(ownersOf(parseCodeowners('/pageserver/ @org/storage'), '/' + pin).owners).toEqual([
      '@org/storage',
    ]);
  });
});

describe('CODEOWNERS location', () => {
  const cases: Array<[string[], string | undefined]> = [
    [['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'], '.github/CODEOWNERS'],
    [['CODEOWNERS', 'docs/CODEOWNERS'], 'CODEOWNERS'],
    [['docs/CODEOWNERS', 'CODEOWNERS'], 'CODEOWNERS'],
    [['docs/CODEOWNERS'], 'docs/CODEOWNERS'],
    [[], undefined],
  ];
  test.each(cases)('found %j → %s', (present, expected) => {
    const found = Object.fromEntries(present.map((p) => [p, `content of ${p}`]));
    expect(chooseCodeownersFile(found)?.path).toBe(expected);
  });
});
