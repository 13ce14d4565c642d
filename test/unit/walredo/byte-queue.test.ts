import { EventEmitter } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { Fifo } from '../../../src/util/fifo';
import { ByteQueue } from '../../../src/walredo/byte-queue';
import { WalRedoChild, WalRedoClient } from '../../../src/walredo/client';
import { ping, RESPONSE_SIZE } from '../../../src/walredo/protocol';

const PAGE = 8192;
/** n bytes counting from `from` modulo 251 (a prime: no page repeats another's bytes at the same place). */
function pattern(n: number, from = 0): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (from + i) % 251;
  return b;
}

describe('the bytes walredo writes, read page by page', () => {
  test.each([
    ['one chunk per page', [PAGE, PAGE, PAGE]],
    ['pages split across chunks', [100, PAGE, PAGE - 100, 3000, 5192]],
    ['one byte at a time at a boundary', [PAGE - 1, 1, 1, PAGE - 1]],
    ['empty chunks', [0, PAGE, 0, 0, PAGE]],
  ])('%s: the same bytes in the same order', (_name, sizes) => {
    const q = new ByteQueue();
    let sent = 0;
    const got: Buffer[] = [];
    for (const n of sizes) {
      q.push(pattern(n, sent));
      sent += n;
      while (q.length >= PAGE) got.push(q.take(PAGE));
    }
    expect(Buffer.concat(got).equals(pattern(Math.floor(sent / PAGE) * PAGE))).toBe(true);
    expect(q.length).toBe(sent % PAGE);
  });

  test('taking more than is queued is a programming error', () => {
    const q = new ByteQueue();
    q.push(Buffer.alloc(10));
    expect(() => q.take(11)).toThrow(RangeError);
  });
});

/**
 * The work of reading a burst grows linearly with its size, counted (not timed: the time lives in
 * `npm run bench -- --read-burst`, bench/read-burst.ts): the bytes the queue copies for a burst of 1,000 and of 10,000 pages, each
 * byte read copied once, however the burst is cut into chunks.
 */
describe('reading a burst of pages is linear in the bytes read', () => {
  const bursts = new Map<number, Buffer>();
  const burstOf = (pages: number) =>
    bursts.get(pages) ?? bursts.set(pages, pattern(pages * PAGE)).get(pages)!;

  /**
   * Bytes the queue copied to read `pages` pages arriving in chunks of `chunk` bytes: read as they
   * come, or (`backlog`) all queued before the first page is read.
   */
  function copiedFor(pages: number, chunk: number, backlog: boolean): number {
    const q = new ByteQueue();
    const burst = burstOf(pages);
    let read = 0;
    const readPages = () => {
      while (q.length >= PAGE) {
        const page = q.take(PAGE);
        if (!page.equals(burst.subarray(read, read + PAGE))) throw new Error(`page at ${read} differs`);
        read += PAGE;
      }
    };
    for (let at = 0; at < burst.length; at += chunk) {
      q.push(burst.subarray(at, at + chunk));
      if (!backlog) readPages();
    }
    readPages();
    expect(read).toBe(pages * PAGE);
    // the chunks read leave without moving the others more than once each (not Array.shift's n²/2)
    expect(q.chunksMoved).toBeLessThanOrEqual(Math.ceil(burst.length / chunk));
    return q.copied;
  }

  test.each([
    ['one chunk', 10_000 * PAGE, false],
    ['64 KiB pipe reads, read as they come', 65536, false],
    ['64 KiB pipe reads, all queued first', 65536, true],
    ['3000-byte chunks (pages split across chunks), all queued first', 3000, true],
    ['one page per chunk, all queued first', PAGE, true],
  ])('%s: 10 times the pages, 10 times the bytes copied, each byte read once', (_name, chunk, backlog) => {
    const small = copiedFor(1_000, chunk, backlog);
    const large = copiedFor(10_000, chunk, backlog);
    expect(small).toBe(1_000 * PAGE);
    expect(large / small).toBe(10);
    expect(large).toBeLessThanOrEqual(1 * 10_000 * PAGE);
  });

  /** A walredo that answers every request at once in `chunk`-byte writes once asked for `pages`. */
  function burstChild(pages: number, chunk: number): WalRedoChild {
    const stdout = new PassThrough();
    const child = Object.assign(new EventEmitter(), {
      pid: 1,
      exitCode: null,
      signalCode: null,
      stdin: new Writable({ write: (_b, _e, done) => done() }),
      stdout,
      stderr: new PassThrough(),
      kill: () => true,
    });
    setImmediate(() => {
      const burst = pattern(pages * RESPONSE_SIZE);
      for (let at = 0; at < burst.length; at += chunk) stdout.write(burst.subarray(at, at + chunk));
    });
    return child as unknown as WalRedoChild;
  }

  /** Bytes the client's queue copied to answer `pages` requests sent at once. */
  async function clientCopiedFor(pages: number): Promise<number> {
    const take = jest.spyOn(ByteQueue.prototype, 'take');
    const shift = jest.spyOn(Fifo.prototype, 'shift');
    try {
      const c = new WalRedoClient('postgres', { spawn: () => burstChild(pages, 65536) });
      const answers = await Promise.all(c.send(ping(), pages));
      expect(answers).toHaveLength(pages);
      expect(answers[pages - 1].equals(pattern(RESPONSE_SIZE, (pages - 1) * RESPONSE_SIZE))).toBe(true);
      const queues = new Set(take.mock.contexts as ByteQueue[]);
      expect(queues.size).toBe(1);
      // the requests waiting for an answer (one Fifo) and the chunks (another) each move at most
      // as many slots as they shifted items
      const fifos = [...new Set(shift.mock.contexts as Fifo<unknown>[])];
      expect(fifos).toHaveLength(2);
      for (const f of fifos) expect(f.moved).toBeLessThanOrEqual(pages);
      return [...queues][0].copied;
    } finally {
      take.mockRestore();
      shift.mockRestore();
    }
  }

  test('the walredo client answering 1,000 and 10,000 requests at once: linear, one copy per byte', async () => {
    const small = await clientCopiedFor(1_000);
    const large = await clientCopiedFor(10_000);
    expect(small).toBe(1_000 * RESPONSE_SIZE);
    expect(large / small).toBe(10);
    expect(large).toBeLessThanOrEqual(1 * 10_000 * RESPONSE_SIZE);
  });
});
