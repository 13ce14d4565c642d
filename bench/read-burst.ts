/**
 * `--read-burst`: how the time to read a burst of pages grows with its size, in the queue the
 * walredo client reads pages from (src/walredo/byte-queue.ts). A pageserver that sends thousands of
 * GetPage requests before reading answers gets them back as one backlog; a queue that joins its
 * backlog on every page is quadratic there. No PostgreSQL: the bytes are a pattern, arriving in
 * 64 KiB chunks (a pipe's size) read as they come, as one backlog of such chunks read after the
 * last one, or as one chunk holding the whole burst. Each size is timed `runs` times, the sizes
 * interleaved; the table shows medians, the cost per byte and each size against the one before.
 */
import { ByteQueue } from '../src/walredo/byte-queue';
import { SectionTable } from './report';
import { interleave, summarize } from './stats';

const PAGE = 8192;
const PIPE_CHUNK = 65536;
export const BURST_PAGES = [1_000, 10_000, 40_000] as const;

type Arrival = 'streamed' | 'backlog' | 'one chunk';
const ARRIVALS: readonly Arrival[] = ['streamed', 'backlog', 'one chunk'];

/** n bytes counting modulo 251, so that the last page read shows whether the pages came in order */
function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

/** The burst cut as it arrives (views, not copies). */
function chunksOf(burst: Buffer, arrival: Arrival): Buffer[] {
  if (arrival === 'one chunk') return [burst];
  const chunks: Buffer[] = [];
  for (let at = 0; at < burst.length; at += PIPE_CHUNK) chunks.push(burst.subarray(at, at + PIPE_CHUNK));
  return chunks;
}

/** Milliseconds to push the chunks and take every page (dropped as read, as the client hands them on); checked after. */
function readOnce(burst: Buffer, chunks: Buffer[], arrival: Arrival): number {
  const q = new ByteQueue();
  let pages = 0;
  let last: Buffer | undefined;
  const started = process.hrtime.bigint();
  for (const c of chunks) {
    q.push(c);
    if (arrival === 'streamed') for (; q.length >= PAGE; pages++) last = q.take(PAGE);
  }
  for (; q.length >= PAGE; pages++) last = q.take(PAGE);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (pages * PAGE !== burst.length || !last?.equals(burst.subarray(-PAGE)))
    throw new Error(`read ${pages} pages of a burst of ${burst.length / PAGE}`);
  return ms;
}

export function readBurstSection(runs: number, sizes: readonly number[] = BURST_PAGES): SectionTable {
  const bursts = new Map(sizes.map((n) => [n, pattern(n * PAGE)]));
  const rows: string[][] = [];
  for (const arrival of ARRIVALS) {
    const samples = new Map<number, number[]>(sizes.map((n) => [n, []]));
    const chunks = new Map(sizes.map((n) => [n, chunksOf(bursts.get(n)!, arrival)]));
    for (const n of sizes) readOnce(bursts.get(n)!, chunks.get(n)!, arrival); // warm-up
    for (const n of interleave(sizes, runs))
      samples.get(n)!.push(readOnce(bursts.get(n)!, chunks.get(n)!, arrival));
    const medians = sizes.map((n) => summarize(samples.get(n)!).median);
    for (const [i, n] of sizes.entries()) {
      const s = summarize(samples.get(n)!);
      rows.push([
        arrival,
        n.toLocaleString('en-US'),
        `${s.median.toFixed(2)} ms`,
        `${s.p95.toFixed(2)} ms`,
        `${((s.median * 1e6) / (n * PAGE)).toFixed(3)} ns`,
        i === 0
          ? ''
          : `${(medians[i] / medians[i - 1]).toFixed(1)}× for ${(n / sizes[i - 1]).toFixed(0)}× the pages`,
      ]);
    }
  }
  return {
    title: 'walredo client: reading a burst of pages',
    intro: [
      `Pages of 8 KiB taken one by one from the client's queue (ByteQueue); ${runs} timed runs per size after one warm-up, sizes interleaved.`,
      'streamed: 64 KiB chunks read as they come; backlog: every chunk queued before the first page is read; one chunk: the whole burst in one buffer.',
    ],
    columns: ['arrival', 'pages', 'median', 'p95', 'per byte', 'against the size before'],
    rows,
    notes: [
      'Linear reading costs the same per byte at every size. A queue that joined its backlog on every page would take about 16× the time for a backlog of 4× the pages.',
    ],
  };
}
