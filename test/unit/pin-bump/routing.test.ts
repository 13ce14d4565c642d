import { checkRouting, routingLine, teamSlugs, validateStorageTeam } from '../../../src/pin-bump/routing';

const PIN = 'pageserver/postgres-bundle.json';
const TEAM = '@acme/storage';
const route = (text: string | undefined, extra: Partial<Parameters<typeof checkRouting>[0]> = {}) =>
  checkRouting({
    codeowners: text === undefined ? undefined : { path: '.github/CODEOWNERS', text },
    pinPath: PIN,
    storageTeam: TEAM,
    ...extra,
  });

describe('checkRouting', () => {
  test.each<[string, string, boolean, string[]]>([
    ['exact anchored line', '/pageserver/postgres-bundle.json @acme/storage', true, ['storage']],
    ['directory rule', '/pageserver/ @acme/storage @acme/pageserver', true, ['storage', 'pageserver']],
    ['team names are case-insensitive', '/pageserver/ @Acme/Storage', true, ['Storage']],
    ['catch-all only', '* @acme/everyone', false, ['everyone']],
    [
      'later catch-all takes it away',
      '/pageserver/postgres-bundle.json @acme/storage\n*.json @acme/config',
      false,
      ['config'],
    ],
    [
      'later line without owners un-owns it',
      '/pageserver/ @acme/storage\n/pageserver/postgres-bundle.json',
      false,
      [],
    ],
    [
      'direct-children rule does not reach deeper',
      '/pageserver/*/x @acme/storage\n/pageserver/* @acme/storage',
      true,
      ['storage'],
    ],
    ['anchored elsewhere', '/postgres-bundle.json @acme/storage', false, []],
    ['user owner only', '/pageserver/ @alice', false, []],
  ])('%s', (_name, text, routed, teams) => {
    const r = route(text);
    expect(r.routed).toBe(routed);
    expect(r.teamReviewers).toEqual(teams);
    if (!routed)
      expect(r.message).toContain(
        `add this line at the end of .github/CODEOWNERS:\n  /pageserver/postgres-bundle.json @acme/storage`,
      );
  });

  test('the failure names the rule that decided', () => {
    expect(route('* @acme/everyone\n').message).toMatch(
      /owned by @acme\/everyone \(line 1: `\* @acme\/everyone`\)/,
    );
    expect(route('/pageserver/ @acme/storage\n/pageserver/postgres-bundle.json\n').message).toMatch(
      /un-owned by line 2/,
    );
    expect(route('/docs/ @acme/docs\n').message).toMatch(/matches no rule/);
  });

  test('no CODEOWNERS at all: create .github/CODEOWNERS with the line', () => {
    const r = route(undefined);
    expect(r.routed).toBe(false);
    expect(r.message).toContain(
      'Create .github/CODEOWNERS with this line:\n  /pageserver/postgres-bundle.json @acme/storage',
    );
  });

  test('invalid lines are listed', () => {
    const r = route('/pageserver/ @acme/storage\n![a] @x\n');
    expect(r.routed).toBe(true);
    expect(r.message).toMatch(/1 invalid line\(s\), which GitHub skips:\n {2}line 2: Invalid pattern/);
  });

  test("lines GitHub reports as invalid are skipped even if pg-bundle's parser accepts them", () => {
    const text = '/pageserver/ @acme/storage\n/pageserver/postgres-bundle.json @acme/other\n';
    const remoteProblems = [
      {
        line: 2,
        column: 1,
        kind: 'Invalid pattern',
        source: '/pageserver/postgres-bundle.json @acme/other',
        message: 'Invalid pattern on line 2',
      },
    ];
    expect(route(text).routed).toBe(false);
    expect(route(text, { remoteProblems }).routed).toBe(true);
  });

  test('a storage team GitHub does not know (no write access) is not a route', () => {
    const text = '/pageserver/ @acme/storage\n';
    const remoteProblems = [
      { line: 1, column: 14, kind: 'Unknown owner', source: text.trim(), message: 'Unknown owner on line 1' },
    ];
    const r = route(text, { remoteProblems });
    expect(r.routed).toBe(false);
    expect(r.message).toMatch(/unknown owner: the team must exist, be visible and have write access/);
  });
});

test('routingLine is anchored at the root', () => {
  expect(routingLine('pageserver/postgres-bundle.json', '@org/storage')).toBe(
    '/pageserver/postgres-bundle.json @org/storage',
  );
});

test('teamSlugs keeps teams only, without org, once each', () => {
  expect(
    teamSlugs(['@acme/storage', '@alice', 'bob@example.com', '@acme/storage', '@acme/pageserver']),
  ).toEqual(['storage', 'pageserver']);
});

test.each([
  ['@org/storage', undefined],
  ['org/storage', /not of the form @org\/team-name/],
  ['@storage', /not of the form/],
])('validateStorageTeam(%s)', (team, problem) => {
  const got = validateStorageTeam(team);
  if (problem) expect(got).toMatch(problem);
  else expect(got).toBeUndefined();
});
