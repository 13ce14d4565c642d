import { encodeRequestFiles, firstRequestLength, requestClass, spread } from '../../../bench/request-file';
import { latencySummary } from '../../../bench/stats';
import {
  formatMicros,
  markdownTable,
  microsSummaryText,
  sectionMarkdown,
  timesText,
} from '../../../bench/report';
import { parseFaultsLine, parseNanosLines, parseUsageLine } from '../../../bench/native';
import { parseHarnessLine, parseMemAvailableKiB } from '../../../bench/scale';
import { scaleRow } from '../../../bench/scale-section';
import { cpuPerRequest, latencyTable, parseStraceSummary } from '../../../bench/native-bench';
import { parseMessages } from '../../support/walredo-protocol';
import { RedoVector } from '../../../src/walredo/corpus/vectors';
import { summarize } from '../../../bench/stats';
import { parseBenchArgs } from '../../../bench/run';
import { parsePerfReport } from '../../../bench/perf-profile';

const tag = { fork: 0, spcOid: 1663, dbOid: 5, relNumber: 16384, blkno: 0 };
const record = (n: number) => ({ lsn: BigInt(n), endLsn: BigInt(n + 1), raw: new Uint8Array([n, n]) });
const vector = (id: number, base: boolean, records: number): RedoVector => ({
  id,
  rmgr: 'Heap',
  kind: records > 1 ? 'chain' : base ? 'delta' : 'init',
  tag,
  blockId: 0,
  base: base ? new Uint8Array(8192) : undefined,
  records: Array.from({ length: records }, (_, i) => record(i)),
  expected: new Uint8Array(8192),
  mask: 'heap' as RedoVector['mask'],
});

describe('requestClass', () => {
  it.each([
    [true, 1, 'short'],
    [false, 1, undefined],
    [true, 8, 'medium'],
    [false, 8, 'medium'],
  ])('base %s, %d records → %s', (base, records, cls) => {
    expect(requestClass(vector(0, base, records))).toBe(cls);
  });
});

describe('spread', () => {
  it.each([
    [[1, 2, 3], 5, [1, 2, 3]],
    [[1, 2, 3, 4, 5, 6], 3, [1, 3, 5]],
    [[1, 2, 3, 4, 5, 6, 7], 2, [1, 4]],
  ])('%j, at most %d → %j', (xs, limit, expected) => {
    expect(spread(xs, limit)).toEqual(expected);
  });
});

describe('encodeRequestFiles', () => {
  const files = encodeRequestFiles(
    [vector(1, true, 1), vector(2, false, 1), vector(3, true, 3), vector(4, true, 1)],
    10,
  );
  it('has a ping, a short and a medium file, counted', () => {
    expect(files.map((f) => [f.cls, f.requests, f.recordsPerRequest])).toEqual([
      ['ping', 1, 0],
      ['short', 2, 1],
      ['medium', 1, 3],
    ]);
  });
  it('encodes B, P, A…, G per request', () => {
    const types = (b: Buffer) =>
      parseMessages(b)
        .messages.map((m) => m.type)
        .join('');
    expect(types(files[0].bytes)).toBe('H');
    expect(types(files[1].bytes)).toBe('BPAGBPAG');
    expect(types(files[2].bytes)).toBe('BPAAAG');
  });
  it('firstRequestLength ends at the first G or H', () => {
    const short = files[1].bytes;
    expect(firstRequestLength(short)).toBe(short.length / 2);
    expect(firstRequestLength(files[0].bytes)).toBe(5);
    expect(() => firstRequestLength(short.subarray(0, 30))).toThrow('no whole request');
  });
});

describe('latencySummary', () => {
  it('gives p50, p99 and the minimum', () => {
    const xs = Array.from({ length: 101 }, (_, i) => 100 - i);
    expect(latencySummary(xs)).toEqual({ n: 101, p50: 50, p99: 99, min: 0 });
    expect(() => latencySummary([])).toThrow('no samples');
  });
});

describe('formatting', () => {
  it.each([
    [4.18, '4.18 µs'],
    [139, '139 µs'],
    [1590, '1.59 ms'],
  ])('formatMicros(%d) = %s', (us, text) => expect(formatMicros(us)).toBe(text));
  it('microsSummaryText keeps one unit for the whole cell', () => {
    expect(microsSummaryText(summarize([1000, 1500, 2000]))).toBe(
      '1.50 ms (min 1.00, p95 1.95, IQR 33%, n=3)',
    );
  });
  it.each([
    [3, 1.5, '2.00×'],
    [3, undefined, ''],
    [3, 0, ''],
  ])('timesText(%d, %s) = %s', (v, floor, text) => expect(timesText(v, floor)).toBe(text));
  it('markdownTable pads short rows and escapes pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y'], ['1', '2']])).toBe(
      '| a | b |\n|---|---|\n| x\\|y |  |\n| 1 | 2 |',
    );
  });
  it('sectionMarkdown puts the intro above and the notes below', () => {
    const md = sectionMarkdown({ title: 'T', intro: ['how'], columns: ['c'], rows: [['v']], notes: ['why'] });
    expect(md).toBe('### T\n\n- how\n\n| c |\n|---|\n| v |\n\n- why\n');
  });
});

describe('harness output', () => {
  it('parseNanosLines gives µs and skips the rusage and cpu lines', () => {
    expect(parseNanosLines('1500\n2000\nrusage 2 1 1 1 0 3\ncpu 2 900\nfaults 2 60\n')).toEqual([1.5, 2]);
    expect(() => parseNanosLines('12\noops\n')).toThrow("'oops'");
  });
  it('parseFaultsLine gives faults per start', () => {
    expect(parseFaultsLine('1000\nfaults 20 4961\n')).toBeCloseTo(248.05);
    expect(parseFaultsLine('faults 0 0\n')).toBeUndefined();
    expect(parseFaultsLine('1000\n')).toBeUndefined();
  });
  it('parseUsageLine reads rusage and the timed CPU', () => {
    expect(parseUsageLine('5\nrusage 2200 5217 10 1458 745 31\ncpu 2000 8000000\n')).toEqual({
      requests: 2200,
      userMicros: 5217,
      systemMicros: 10,
      voluntarySwitches: 1458,
      involuntarySwitches: 745,
      minorFaults: 31,
      timedRequests: 2000,
      timedCpuNanos: 8000000,
    });
    expect(parseUsageLine('5\n')).toBeUndefined();
  });
  it('cpuPerRequest uses schedstat for the timed part and rusage for the split', () => {
    const u = parseUsageLine('rusage 1000 2000 3000 0 0 0\ncpu 800 4000000\n')!;
    expect(cpuPerRequest([u, u])).toEqual({ timed: 5, user: 2, system: 3 });
    expect(cpuPerRequest([])).toBeUndefined();
  });
  it('parseHarnessLine checks the word', () => {
    expect(parseHarnessLine('ready 123 0', 'ready')).toEqual([123, 0]);
    expect(() => parseHarnessLine('redo 1 0 0', 'ready')).toThrow("expected 'ready");
  });
  it('parseMemAvailableKiB', () => {
    expect(parseMemAvailableKiB('MemTotal:  100 kB\nMemAvailable:   23376 kB\n')).toBe(23376);
    expect(() => parseMemAvailableKiB('MemTotal: 1 kB\n')).toThrow('MemAvailable');
  });
  it('parseStraceSummary counts calls per system call, errors column or not', () => {
    const text = [
      '% time     seconds  usecs/call     calls    errors syscall',
      '------ ----------- ----------- --------- --------- ----------------',
      ' 60.00    0.000600           0      2200           read',
      '  0.00    0.000000           0         1         1 access',
      '------ ----------- ----------- --------- --------- ----------------',
      '100.00    0.001000           0      2201         1 total',
    ].join('\n');
    expect([...parseStraceSummary(text)]).toEqual([
      ['read', 2200],
      ['access', 1],
    ]);
  });
});

describe('tables', () => {
  it('scaleRow gives medians over runs and sums failures', () => {
    const run = (readyMs: number) => ({
      n: 2,
      readyMs,
      failed: 0,
      privateKiB: [700, 800],
      systemKiB: 2048,
      redoMs: 1,
      redoFailed: 0,
      redoDiffering: 0,
      exitMs: 3,
      unclean: 0,
    });
    expect(scaleRow({ n: 2, label: 'walredo static', runs: [run(40), run(60)] })).toEqual([
      '2',
      'walredo static',
      '50 ms (40–60)',
      '0 of 4',
      '750.0 KiB',
      '1.5 MiB',
      '2.0 MiB (1.0 MiB per process)',
      '1 ms (1–1)',
      '0 failed, 0 differing',
      '3 ms (3–3)',
      '2',
    ]);
    expect(scaleRow({ n: 1000, label: 'walredo dynamic', runs: [] })).toEqual([
      '1000',
      'walredo dynamic',
      'no run completed',
    ]);
  });
  it('latencyTable puts the floor first, the ratio, and the fork row marked as not measured', () => {
    const r = (label: string, p50: number) => ({
      cls: 'ping' as const,
      label,
      summary: { n: 10, p50, p99: p50 * 2, min: p50 / 2 },
      roundP50s: [p50],
      usage: [],
    });
    const t = latencyTable(
      [r('echo', 4), r('walredo static', 5)],
      [{ cls: 'ping', requests: 1, recordsPerRequest: 0, bytes: Buffer.alloc(5) }],
      'echo',
    );
    expect(t.rows.map((x) => x.slice(0, 3).concat(x.slice(6, 8)))).toEqual([
      ['ping', 'echo', '4.00 µs', 'floor', ''],
      ['ping', 'walredo static', '5.00 µs', '1.25×', '1.00 µs'],
      ['ping', "storage fork's published figure — NOT MEASURED HERE (its own hardware)", '≈ 22 µs'],
    ]);
  });
});

describe('parseBenchArgs: the storage-scale flags', () => {
  it('selects the sections and leaves out the comparison unless --compare', () => {
    const o = parseBenchArgs([
      '--scale',
      '100,500,1000',
      '--latency',
      '--majors',
      '14,15',
      '--bundle-prefix',
      '/tmp/pgb/n',
    ]);
    expect(o.compare).toBe(false);
    expect(o.storage).toMatchObject({
      scale: [100, 500, 1000],
      latency: true,
      majors: [14, 15],
      bundlePrefix: '/tmp/pgb/n',
    });
    expect(parseBenchArgs(['--latency', '--compare']).compare).toBe(true);
  });
  it('keeps the comparison as the default', () => {
    const o = parseBenchArgs([]);
    expect(o.compare).toBe(true);
    expect(o.storage).toMatchObject({ scale: [], latency: false, majors: [] });
  });
  it('rejects a count that is not a positive whole number', () => {
    expect(() => parseBenchArgs(['--scale', '100,x'])).toThrow("'x'");
  });
});

describe('parsePerfReport', () => {
  it.each([
    [
      '    12.46%  [.] __memmove_avx512_unaligned_erms',
      { self: 12.46, symbol: '__memmove_avx512_unaligned_erms' },
    ],
    [
      '    15.02%     0.00%  [.] describe_record (inlined)',
      { children: 15.02, self: 0, symbol: 'describe_record (inlined)' },
    ],
  ])('%s', (line, expected) => {
    expect(parsePerfReport(`# header\n\n${line}\n`)).toEqual([expected]);
  });
  it('skips call-graph and kernel lines', () => {
    expect(parsePerfReport('            |\n            ---main\n     1.00%  [k] do_syscall_64\n')).toEqual(
      [],
    );
  });
});
