import { emptyManifest, VersionManifest } from '../../../src/core/manifest';
import {
  failedChecks,
  mergeConformance,
  renderMarkdown,
  renderTerminal,
  reportPassed,
  VerifyReport,
} from '../../../src/verify/report';

const passing: VerifyReport = {
  versions: {
    '15': {
      checks: [
        { name: 'elf-static', status: 'pass', detail: '2 ELF files, all static' },
        { name: 'single-user-query', status: 'pass', detail: 'reports icuCollationVersion=153.120' },
      ],
      catalogVersion: 202209061,
      collation: {
        icuCollationVersion: '153.120',
        datcollate: 'C.UTF-8',
        datctype: 'C.UTF-8',
        datlocprovider: 'c',
      },
    },
  },
};
const failing: VerifyReport = {
  versions: {
    ...passing.versions,
    '18': {
      checks: [
        {
          name: 'empty-root-initdb',
          status: 'fail',
          detail:
            'v18/bin/initdb exited with code 1\ninitdb: error: file "/bundle/v18/share/postgresql/postgres.bki" does not exist | x',
        },
        { name: 'pg-control', status: 'skip', detail: 'not run' },
      ],
    },
  },
};

describe('report', () => {
  it('passes only when no check failed and there is at least one version', () => {
    expect(reportPassed(passing)).toBe(true);
    expect(reportPassed(failing)).toBe(false);
    expect(reportPassed({ versions: {} })).toBe(false);
    expect(failedChecks(failing).map((f) => `${f.version}/${f.check.name}`)).toEqual([
      '18/empty-root-initdb',
    ]);
  });

  it('renders a Markdown table with escaped pipes and line breaks, and the collation facts', () => {
    const md = renderMarkdown(failing);
    expect(md).toContain('### pg-bundle verify: FAILED');
    expect(md).toContain('| v15 | elf-static | ✅ pass | 2 ELF files, all static |');
    expect(md).toContain(
      '| v18 | empty-root-initdb | ❌ fail | v18/bin/initdb exited with code 1<br>initdb: error: file "/bundle/v18/share/postgresql/postgres.bki" does not exist \\| x |',
    );
    expect(md).toContain('| v15 | 202209061 | 153.120 |  | C.UTF-8 | C.UTF-8 | c |');
    expect(renderMarkdown(passing)).toContain('passed');
  });

  it('renders a terminal table with continuation lines indented', () => {
    const lines = renderTerminal(failing).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^version\s+check\s+status\s+detail$/);
    const i = lines.findIndex((l) => l.includes('empty-root-initdb'));
    expect(lines[i]).toMatch(/^v18\s+empty-root-initdb\s+FAIL\s+v18\/bin\/initdb exited/);
    expect(lines[i + 1]).toMatch(/^\s{20,}initdb: error: file/);
  });

  it('merges conformance into the versions the manifest has, keeping other conformance fields', () => {
    const entry = {
      postgres: { version: '15.18', major: 15, catversion: 202209061 },
      files: [],
      conformance: { checks: [], walredo: { ok: true } },
    } as unknown as VersionManifest;
    const manifest = { ...emptyManifest('0.1.0'), versions: { '15': entry } };
    const merged = mergeConformance(manifest, failing);
    expect(Object.keys(merged.versions)).toEqual(['15']);
    expect(merged.versions['15'].conformance).toEqual({ ...passing.versions['15'], walredo: { ok: true } });
    expect(manifest.versions['15'].conformance?.checks).toEqual([]);
  });
});
