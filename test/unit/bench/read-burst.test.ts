import { readBurstSection } from '../../../bench/read-burst';

describe('bench --read-burst (small sizes: the table, not the timings)', () => {
  const t = readBurstSection(2, [4, 8, 32]);

  test('a row per arrival and size, each size against the one before', () => {
    expect(t.columns).toEqual(['arrival', 'pages', 'median', 'p95', 'per byte', 'against the size before']);
    expect(t.rows.map((r) => `${r[0]} ${r[1]}`)).toEqual([
      'streamed 4',
      'streamed 8',
      'streamed 32',
      'backlog 4',
      'backlog 8',
      'backlog 32',
      'one chunk 4',
      'one chunk 8',
      'one chunk 32',
    ]);
    const steps = ['', 'N× for 2× the pages', 'N× for 4× the pages'];
    expect(t.rows.map((r) => r[5].replace(/^[\d.]+×/, 'N×'))).toEqual([...steps, ...steps, ...steps]);
    for (const r of t.rows) expect(r[2]).toMatch(/^\d+\.\d\d ms$/);
  });
});
