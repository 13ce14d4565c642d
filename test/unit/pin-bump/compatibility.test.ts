/** The measured compatibility (pure): the summary, its comment in the body, the verdict, the Risk section. */
import { compareReport, renderMarkdown } from '../../../src/compare/report';
import {
  ACCEPT_LABEL,
  Compatibility,
  compatibilityComment,
  compatibilityVerdict,
  notMeasured,
  readCompatibilityComment,
  STATUS_DESCRIPTION_LIMIT,
  summariseCompare,
} from '../../../src/pin-bump/compatibility';
import { PR_BODY_LIMIT, renderPrBody } from '../../../src/pin-bump/pr-body';
import { icuReport, noAmcheckReport, sameReport } from './compare-reports';
import { pinOf } from '../../support/pin-fixtures';

const PINS = { pin: 'pageserver/postgres-bundle.json', old: 'a'.repeat(64), new: 'b'.repeat(64) };

describe('summariseCompare', () => {
  test('counts changed order, corrupt indexes and differing pages over the majors', () => {
    expect(summariseCompare(icuReport(), PINS)).toEqual({
      ...PINS,
      orderChanged: 86,
      corruptIndexes: 86,
      pagesDiffer: 0,
      notMeasured: [],
    });
  });

  test('names what was not measured: a stage (no amcheck) and a major one bundle lacks', () => {
    const report = compareReport('old', 'new', [
      ...noAmcheckReport().majors,
      { major: 17, presence: 'only in new' },
      { major: 14, presence: 'only in old' },
    ]);
    expect(summariseCompare(report, PINS).notMeasured).toEqual([
      'v15 indexes: the new bundle has no amcheck',
      'v17: only in the new bundle',
      'v14: only in the old bundle',
    ]);
  });
});

describe('the comment in the pull request body', () => {
  test('round-trips, also with "--" and "-->" in a reason', () => {
    const c = notMeasured(PINS, 'compare did not run: --> -- oops').summary;
    const body = `text\n${compatibilityComment(c)}\nmore`;
    expect(compatibilityComment(c).slice('<!--'.length, -'-->'.length)).not.toContain('--');
    expect(readCompatibilityComment(body)).toEqual(c);
  });

  test.each([
    ['no comment', 'just a body'],
    ['not JSON', '<!-- pg-bundle:compatibility {nope} -->'],
    [
      'a count that is not a count',
      compatibilityComment({ ...summariseCompare(icuReport(), PINS), orderChanged: -1 }),
    ],
    [
      'no new sha256',
      '<!-- pg-bundle:compatibility {"pin":"p","orderChanged":0,"corruptIndexes":0,"pagesDiffer":0,"notMeasured":[]} -->',
    ],
  ])('%s reads as none', (_, body) => {
    expect(readCompatibilityComment(body)).toBeUndefined();
  });
});

describe('compatibilityVerdict', () => {
  const icu = summariseCompare(icuReport(), PINS);
  const same = summariseCompare(sameReport(), PINS);
  const cases: [string, Compatibility | undefined, string[], string | undefined, string, RegExp][] = [
    [
      'nothing changed',
      same,
      [],
      undefined,
      'success',
      /^measured: no collation order, index or walredo page changed$/,
    ],
    [
      'order changed',
      icu,
      ['pg-bundle'],
      undefined,
      'failure',
      /^86 collations changed order; 86 indexes corrupt under the new bundle$/,
    ],
    [
      'accepted',
      icu,
      [ACCEPT_LABEL],
      undefined,
      'success',
      /^accepted by the storage team \(compatibility-accepted\): 86 collations changed order/,
    ],
    ['pages differ', { ...same, pagesDiffer: 1 }, [], undefined, 'failure', /^1 walredo page differs$/],
    [
      'not measured (no amcheck)',
      summariseCompare(noAmcheckReport(), PINS),
      [],
      undefined,
      'failure',
      /^not measured: v15 indexes: the new bundle has no amcheck$/,
    ],
    [
      'old bundle not fetched',
      notMeasured(PINS, "the old pin's bundle bundle-1 could not be fetched: 404").summary,
      [],
      undefined,
      'failure',
      /^not measured: the old pin's bundle bundle-1 could not be fetched/,
    ],
    [
      'no stored result',
      undefined,
      [],
      undefined,
      'failure',
      /^not measured: the pull request body holds no pg-bundle compatibility result; run pin-bump again$/,
    ],
    ['a stale result', same, [], 'the pin changed', 'failure', /^not measured: the pin changed$/],
    [
      'a stale result, even with the label (it accepts a measurement, not another pin)',
      same,
      ['compatibility-accepted'],
      'the pin changed',
      'failure',
      /^not measured: the pin changed$/,
    ],
  ];
  test.each(cases)('%s', (_, c, labels, stale, state, description) => {
    const v = compatibilityVerdict(c, labels, stale);
    expect(v.state).toBe(state);
    expect(v.description).toMatch(description);
  });

  test('a description never exceeds what GitHub accepts', () => {
    const long = notMeasured(PINS, 'x'.repeat(500)).summary;
    for (const labels of [[], [ACCEPT_LABEL]])
      expect(compatibilityVerdict(long, labels).description.length).toBeLessThanOrEqual(
        STATUS_DESCRIPTION_LIMIT,
      );
  });
});

describe('the Risk section of the pull request body', () => {
  const oldPin = pinOf('manifest-icu67.json', 'bundle-1');
  const newPin = pinOf('manifest-icu72.json', 'bundle-2');
  const body = (report = icuReport()) =>
    renderPrBody({
      oldPin,
      newPin,
      pinPath: PINS.pin,
      risks: [],
      compatibility: {
        summary: summariseCompare(report, PINS),
        report,
        markdown: renderMarkdown(report, { times: false }),
      },
    });

  test("holds compare's measured table and the stored summary", () => {
    const text = body();
    const risk = text.slice(text.indexOf('## Risk'), text.indexOf('## Versions'));
    expect(risk).toContain('### Measured: the old and the new bundle side by side (`pg-bundle compare`)');
    expect(risk).toContain('**pg-bundle compare: 172 differences**');
    expect(risk).toContain(
      '| v15 | 86 of 785 changed order | 86 of 86 corrupt | 0 of 27556 rows differ, 0 pg_control fields | 14380 of 14380 pages identical |',
    );
    expect(readCompatibilityComment(text)).toEqual(summariseCompare(icuReport(), PINS));
  });

  test('says "not measured: <why>" when there is no table', () => {
    const text = renderPrBody({
      oldPin,
      newPin,
      pinPath: PINS.pin,
      risks: [],
      compatibility: notMeasured(PINS, "the old pin's bundle bundle-1 could not be fetched: gone"),
    });
    expect(text).toContain("not measured: the old pin's bundle bundle-1 could not be fetched: gone");
  });

  test("a table too long for GitHub's limit is cut with a note; the summary stays whole", () => {
    const text = body(icuReport(3000));
    expect(text.length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    expect(text).toMatch(
      /… \d+ more lines of the table left out to fit GitHub's body limit: the whole report is <out>\/pin-bump\/compare.json/,
    );
    expect(text).toContain('| v15 | 3000 of 785 changed order');
    expect(readCompatibilityComment(text)?.orderChanged).toBe(3000);
    expect(text).toContain('## Links');
  });
});
