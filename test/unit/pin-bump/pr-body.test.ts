import { primaryBundle } from '../../../src/pin/pinned';
import { PinFile } from '../../../src/pin/types';
import { humanSize } from '../../../src/util/size';
import { PR_BODY_LIMIT, PR_MARKER, prTitle, renderPrBody } from '../../../src/pin-bump/pr-body';
import { analyseRisk } from '../../../src/pin-bump/risk';
import { pinOf } from '../../support/pin-fixtures';
import { versionsOf, withBundle } from '../../support/pins';

const PIN_PATH = 'pageserver/postgres-bundle.json';

describe('renderPrBody', () => {
  const oldPin = pinOf('manifest-icu67.json', 'bundle-20250101-3f1a2c0');
  const newPin = pinOf('manifest-icu72.json', 'bundle-20250301-a1b2c3d', 'cd'.repeat(32));
  const body = renderPrBody({ oldPin, newPin, pinPath: PIN_PATH, risks: analyseRisk(oldPin, newPin) });

  test('has one old → new table per version with the facts a reviewer needs', () => {
    expect(body).toContain(
      '### v15\n\n| | old | new |\n|---|---|---|\n| PostgreSQL version | `15.17` | `15.18` • |',
    );
    expect(body).toContain(
      '| Source revision | `3f1a2c0d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a49` | `a1b2c3d4e5f60718293a4b5c6d7e8f9012345678` • |',
    );
    expect(body).toContain('| ICU | `67.1` | `72.1` ⚠️ |');
    expect(body).toContain('| libc (glibc) | `2.36` | `2.36` |');
    expect(body).toContain('| Bundle size | 32.4 MiB | 32.8 MiB (+390.6 KiB) • |');
    expect(body).toContain('### v16');
  });

  test('the Risk section flags the ICU change', () => {
    const risk = body.slice(body.indexOf('## Risk'), body.indexOf('## Versions'));
    expect(risk).toContain('**4 change(s) can alter collation or on-disk results.**');
    expect(risk).toContain('- **v15: ICU version** `67.1` → `72.1`');
    expect(risk).toContain('- **v16: ICU collation version** `153.14` → `153.120`');
  });

  test('links to the release and the conformance report', () => {
    expect(body).toContain(`- Release: ${newPin.releaseUrl}`);
    expect(body).toContain(`- Conformance report: ${primaryBundle(newPin).manifestUrl}`);
    expect(body).toContain(`sha256 \`${'cd'.repeat(32)}\``);
    expect(body).toContain(`- Previous release: ${oldPin.releaseUrl}`);
    expect(body.startsWith(PR_MARKER)).toBe(true);
  });

  test('a harmless bump says so', () => {
    const harmless = pinOf('manifest-icu67-15.18.json', 'bundle-2');
    expect(
      renderPrBody({ oldPin, newPin: harmless, pinPath: PIN_PATH, risks: analyseRisk(oldPin, harmless) }),
    ).toContain('✅ No change that can alter collation or on-disk results');
  });

  test('a first pin has no old column values and says there is nothing to compare', () => {
    const first = renderPrBody({ newPin, pinPath: PIN_PATH, risks: analyseRisk(undefined, newPin) });
    expect(first).toContain('First pin in this repository');
    expect(first).toContain('| PostgreSQL version | — | `15.18` |');
    expect(first).toContain('### v15 (new)');
  });

  test('title names the release', () => {
    expect(prTitle(newPin)).toBe('Bump PostgreSQL bundle to bundle-20250301-a1b2c3d');
  });

  test('stays under GitHub’s 65,536-character limit with very many versions and risks', () => {
    const many = (p: PinFile, icu: string): PinFile =>
      withBundle(p, {
        versions: Object.fromEntries(
          Array.from({ length: 3000 }, (_, i) => [
            String(i + 1),
            { ...versionsOf(p)['15'], icuVersion: icu },
          ]),
        ),
      });
    const a = many(oldPin, '67.1');
    const b = many(newPin, '72.1');
    const risks = analyseRisk(a, b);
    expect(risks.length).toBeGreaterThan(3000);
    const big = renderPrBody({ oldPin: a, newPin: b, pinPath: PIN_PATH, risks });
    expect(big.length).toBeLessThan(PR_BODY_LIMIT);
    expect(big).toContain('## Risk');
    expect(big).toContain("shortened to fit GitHub's body limit");
    expect(big).toContain('- Release: ');
  });
});

test.each([
  [512, '512 B'],
  [2048, '2.0 KiB'],
  [34401200, '32.8 MiB'],
  [5 * 1024 ** 3, '5.0 GiB'],
])('humanSize(%d) = %s', (bytes, text) => expect(humanSize(bytes)).toBe(text));

describe('a WAL sample in the Risk section', () => {
  test('a replay without failures is a measured line, not a risk', () => {
    const oldPin = pinOf('manifest-icu67.json', 'bundle-1');
    const newPin = pinOf('manifest-icu67-15.18.json', 'bundle-2');
    const risks = [
      {
        kind: 'wal-sample-passed' as const,
        version: '15',
        what: 'WAL sample /s (10 records)',
        old: 'upstream heap records (4 told apart by length)',
        new: '7 chains replayed and compared, 0 failed, 1 skipped',
        why: '',
      },
    ];
    const body = renderPrBody({ oldPin, newPin, pinPath: PIN_PATH, risks });
    expect(body).toContain('✅ No change that can alter collation or on-disk results');
    expect(body).toContain(
      '✅ **v15: WAL sample /s (10 records)**, upstream heap records (4 told apart by length): 7 chains replayed and compared, 0 failed, 1 skipped.',
    );
  });
});
