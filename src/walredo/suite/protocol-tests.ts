/**
 * Protocol conformance tests of a walredo process: answers, pipelining, and that malformed input
 * makes it exit with an error on stderr within a time bound instead of hanging.
 */
import { errorMessage } from '../../util/errors';
import { WalRedoClient, WalRedoError } from '../client';
import { judgeVector } from './run-vectors';
import { RedoVector } from '../corpus/vectors';
import { SIZE_OF_PAGE_HEADER } from '../mask/page';
import { BLCKSZ } from '../wal/constants';
import {
  beginRedoForBlock,
  BufferTag,
  encodeRedoRequest,
  frame,
  getPage,
  ping,
  pushPage,
  RESPONSE_SIZE,
} from '../protocol';
import { ProtocolTestResult } from './report';

export interface ProtocolTestContext {
  start: () => WalRedoClient;
  /** Vectors from the corpus (delta vectors preferred) for the round-trip tests; may be empty. */
  /** vectors to send: compared ones first (a WAL sample without consistency images has only replay chains) */
  samples: RedoVector[];
  /** How long a process may take to exit after bad input or end of input. */
  exitBoundMs: number;
  /** Starts walredo in an empty, read-only root; undefined when this machine cannot (no bwrap). */
  startInReadOnlyRoot?: () => WalRedoClient;
  /**
   * 'fork': a fork's own walredo, whose stderr the storage service logs (lines without LOG: as
   * errors) but does not fail on; pg-bundle's builtin walredo must print none.
   */
  mode?: 'builtin' | 'fork';
}

interface ProtocolTest {
  name: string;
  needsSamples?: number;
  run(ctx: ProtocolTestContext): Promise<string>;
}

class TestFailure extends Error {}

function check(cond: boolean, message: string): void {
  if (!cond) throw new TestFailure(message);
}

const isZero = (b: Uint8Array) => b.every((x) => x === 0);

async function withClient<T>(
  ctx: ProtocolTestContext,
  fn: (c: WalRedoClient) => Promise<T>,
  start: () => WalRedoClient = ctx.start,
): Promise<T> {
  const c = start();
  try {
    return await fn(c);
  } finally {
    c.kill();
  }
}

/**
 * A vector's tag and a page to push for it: its base page or expected page when a vector has one,
 * otherwise an initialised empty page (any page does: the tests push it and read it back).
 */
function pageToPush(samples: RedoVector[]): { v: RedoVector; page: Uint8Array } {
  const v = samples.find((s) => s.base) ?? samples.find((s) => s.expected) ?? samples[0];
  return { v, page: v.base ?? v.expected ?? emptyPage() };
}

/** PageInit of an 8 KiB page with no special space (bufpage.c). */
export function emptyPage(): Uint8Array {
  const page = new Uint8Array(BLCKSZ);
  const dv = new DataView(page.buffer);
  dv.setUint16(12, SIZE_OF_PAGE_HEADER, true); // pd_lower
  dv.setUint16(14, BLCKSZ, true); // pd_upper
  dv.setUint16(16, BLCKSZ, true); // pd_special
  dv.setUint16(18, BLCKSZ | PG_PAGE_LAYOUT_VERSION, true); // pd_pagesize_version
  return page;
}

const PG_PAGE_LAYOUT_VERSION = 4;

function checkVector(v: RedoVector, page: Buffer): void {
  const failure = judgeVector(v, page);
  check(!failure, `vector ${v.id} (${v.rmgr}): ${failure?.problems.join('; ')}`);
}

/** Expects the process to exit non-zero with something on stderr within the bound. */
async function expectErrorExit(c: WalRedoClient, ctx: ProtocolTestContext, what: string): Promise<string> {
  const exit = await c.waitExit(ctx.exitBoundMs);
  check(!exit.timedOut, `the process did not exit within ${ctx.exitBoundMs} ms after ${what} (it hangs)`);
  check(
    exit.code !== 0 || exit.signal !== null,
    `the process exited with code 0 after ${what}; expected an error exit`,
  );
  const err = c.stderrTail(3);
  check(err.length > 0, `the process exited (code ${exit.code}) after ${what} but wrote nothing to stderr`);
  return `exited with ${exit.signal ?? `code ${exit.code}`}: ${err.split('\n').pop()}`;
}

const OTHER_TAG = (t: BufferTag): BufferTag => ({ ...t, blkno: (t.blkno + 1000) >>> 0 });

export const PROTOCOL_TESTS: ProtocolTest[] = [
  {
    name: 'ping answers with an 8192-byte zero page',
    run: (ctx) =>
      withClient(ctx, async (c) => {
        const page = await c.ping();
        check(page.length === RESPONSE_SIZE, `answer has ${page.length} bytes`);
        check(isZero(page), 'the answer to ping is not a zero page');
        return 'ok';
      }),
  },
  {
    name: 'push then get returns the pushed page',
    needsSamples: 1,
    run: (ctx) =>
      withClient(ctx, async (c) => {
        const { v, page } = pageToPush(ctx.samples);
        const got = await c.send(
          Buffer.concat([beginRedoForBlock(v.tag), pushPage(v.tag, page), getPage(v.tag)]),
        )[0];
        check(
          Buffer.compare(got, Buffer.from(page)) === 0,
          'the page returned by G differs from the page pushed with P',
        );
        return 'ok';
      }),
  },
  {
    name: 'push, apply, get round trip',
    needsSamples: 1,
    run: (ctx) =>
      withClient(ctx, async (c) => {
        const v = ctx.samples.find((s) => s.kind === 'delta') ?? ctx.samples[0];
        checkVector(v, await c.redo(v));
        return `vector ${v.id} (${v.rmgr})`;
      }),
  },
  {
    name: 'many blocks through one process',
    needsSamples: 2,
    run: (ctx) =>
      withClient(ctx, async (c) => {
        for (const v of ctx.samples) checkVector(v, await c.redo(v));
        await c.ping();
        return `${ctx.samples.length} requests one after another`;
      }),
  },
  {
    name: 'pipelined requests are answered in order',
    needsSamples: 2,
    run: (ctx) =>
      withClient(ctx, async (c) => {
        const parts: Buffer[] = [];
        for (const v of ctx.samples) parts.push(encodeRedoRequest(v), ping());
        const answers = c.send(Buffer.concat(parts), ctx.samples.length * 2);
        const pages = await Promise.all(answers);
        ctx.samples.forEach((v, i) => {
          checkVector(v, pages[2 * i]);
          check(isZero(pages[2 * i + 1]), `ping ${i} in the pipeline did not answer a zero page`);
        });
        return `${ctx.samples.length} redo requests and pings in one write`;
      }),
  },
  {
    name: 'get of another block than the one begun gives a zero page or an error',
    needsSamples: 1,
    run: (ctx) =>
      withClient(ctx, async (c) => {
        const { v, page } = pageToPush(ctx.samples);
        const bytes = Buffer.concat([
          beginRedoForBlock(v.tag),
          pushPage(v.tag, page),
          getPage(OTHER_TAG(v.tag)),
        ]);
        try {
          const got = await c.send(bytes)[0];
          check(isZero(got), 'G for a block other than the begun one returned a non-zero page');
          return 'answered a zero page';
        } catch (e) {
          if (!(e instanceof WalRedoError)) throw e;
          check(c.stderrTail().length > 0, `the process failed without a message on stderr: ${e.message}`);
          return `exited with an error: ${c.stderrTail(3).split('\n').filter(Boolean).pop() ?? ''}`;
        }
      }),
  },
  {
    name: 'unknown message type makes the process exit with an error',
    run: (ctx) =>
      withClient(ctx, async (c) => {
        c.writeRaw(frame('X', Buffer.alloc(4)));
        return expectErrorExit(c, ctx, 'an unknown message type');
      }),
  },
  {
    name: 'a length that does not fit the message type makes the process exit with an error',
    run: (ctx) =>
      withClient(ctx, async (c) => {
        c.writeRaw(frame('G', Buffer.alloc(6)));
        return expectErrorExit(c, ctx, 'a G message of length 10');
      }),
  },
  {
    name: 'a truncated message makes the process exit with an error',
    run: (ctx) =>
      withClient(ctx, async (c) => {
        c.writeRaw(frame('B', Buffer.alloc(17)).subarray(0, 12));
        c.closeStdin();
        return expectErrorExit(c, ctx, 'a truncated B message and end of input');
      }),
  },
  {
    name: 'an over-long length makes the process exit with an error without waiting for the data',
    run: (ctx) =>
      withClient(ctx, async (c) => {
        const head = Buffer.alloc(5 + 17);
        head.write('B', 0, 'latin1');
        head.writeUInt32BE(0x7fffffff, 1);
        c.writeRaw(head);
        return expectErrorExit(c, ctx, 'a B message announcing 2 GiB');
      }),
  },
  {
    name: 'a normal start and end print nothing on stderr but LOG: lines (a fork walredo: reported, as the storage service logs them)',
    needsSamples: 1,
    run: (ctx) =>
      withClient(ctx, async (c) => {
        checkVector(ctx.samples[0], await c.redo(ctx.samples[0]));
        await c.close(ctx.exitBoundMs);
        // the storage service logs every other stderr line of walredo as an error
        const noisy = c
          .stderrTail()
          .split('\n')
          .filter((l) => l.trim() !== '' && !l.includes('LOG:'));
        if (noisy.length > 0 && ctx.mode === 'fork')
          return `${noisy.length} stderr lines without LOG:, which the storage service logs as errors (not fatal): ${noisy.slice(0, 3).join(' | ')}`;
        check(noisy.length === 0, `stderr lines without LOG: ${noisy.slice(0, 3).join(' | ')}`);
        return 'stderr clean';
      }),
  },
  {
    name: 'answers in an empty read-only root without /tmp (no writable file system, no SysV IPC)',
    needsSamples: 1,
    run: (ctx) => {
      const start = ctx.startInReadOnlyRoot;
      if (!start)
        throw new TestFailure(
          'bwrap (bubblewrap) is needed to start walredo in an empty read-only root: apt-get install bubblewrap',
        );
      return withClient(
        ctx,
        async (c) => {
          const v = ctx.samples.find((s) => s.kind === 'delta') ?? ctx.samples[0];
          checkVector(v, await c.redo(v));
          await c.ping();
          const exit = await c.close(ctx.exitBoundMs);
          check(
            !exit.timedOut && exit.code === 0,
            `the process ended with ${exit.timedOut ? 'a time-out' : (exit.signal ?? `code ${exit.code}`)}: ${c.stderrTail(2)}`,
          );
          return `vector ${v.id} (${v.rmgr}) and a ping, exit 0`;
        },
        start,
      );
    },
  },
  {
    name: 'closing stdin ends the process with exit code 0',
    run: (ctx) =>
      withClient(ctx, async (c) => {
        await c.ping();
        const exit = await c.close(ctx.exitBoundMs);
        check(
          !exit.timedOut,
          `the process did not exit within ${ctx.exitBoundMs} ms after its stdin was closed`,
        );
        check(
          exit.code === 0,
          `the process exited with ${exit.signal ?? `code ${exit.code}`} after end of input: ${c.stderrTail(2)}`,
        );
        return 'exit 0';
      }),
  },
];

export async function runProtocolTests(ctx: ProtocolTestContext): Promise<ProtocolTestResult[]> {
  const results: ProtocolTestResult[] = [];
  for (const t of PROTOCOL_TESTS) {
    if (t.needsSamples && ctx.samples.length < t.needsSamples) {
      results.push({
        name: t.name,
        passed: false,
        detail: `the corpus has fewer than ${t.needsSamples} vectors for this test`,
      });
      continue;
    }
    try {
      results.push({ name: t.name, passed: true, detail: await t.run(ctx) });
    } catch (e) {
      results.push({ name: t.name, passed: false, detail: errorMessage(e) });
    }
  }
  return results;
}
