import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  noWalRedoMessage,
  pickSamples,
  probeWalRedo,
  runWalRedoStage,
  walRedoPaths,
} from '../../../src/walredo/suite';
import { WalRedoClient } from '../../../src/walredo/client';
import { emptyReport } from '../../../src/walredo/suite/report';
import { describeFailure, reportMarkdown } from '../../support/walredo-report';
import { emptyPage, PROTOCOL_TESTS } from '../../../src/walredo/suite/protocol-tests';
import { replayedPageProblems } from '../../../src/walredo/mask/compare';
import { pageIsNew } from '../../../src/walredo/mask/page';
import { storedVectors } from './fixtures';

describe('walredo stage', () => {
  it('is skipped only when asked, and says so', async () => {
    const r = await runWalRedoStage('/nonexistent', 15, { skip: true, mode: 'builtin' });
    expect(r).toMatchObject({
      status: 'skip',
      mode: 'builtin',
      message: 'skipped on request (--skip-walredo)',
    });
  });

  it('fails with one message when the bundle has no postgres', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgb-walredo-test-'));
    try {
      mkdirSync(join(dir, 'v15', 'bin'), { recursive: true });
      const r = await runWalRedoStage(dir, 15);
      expect(r.status).toBe('fail');
      expect(r.message).toMatch(/v15\/bin\/postgres does not exist/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a postgres without walredo mode gets one clear message naming the fixes', async () => {
    const why = await probeWalRedo(
      () =>
        new WalRedoClient('/bin/sh', {
          args: ['-c', 'echo "FATAL:  --wal-redo requires a value" >&2; exit 1'],
        }),
      10000,
    );
    expect(why).toBe('"postgres --wal-redo" exited with code 1 saying "FATAL:  --wal-redo requires a value"');
    const msg = noWalRedoMessage(15, why!);
    expect(msg).toMatch(/^v15\/bin\/postgres has no walredo mode: /);
    expect(msg).toMatch(/--walredo builtin/);
    expect(msg).toMatch(/--skip-walredo/);
    expect(msg.split('\n')).toHaveLength(1);
  });

  it('lays out bundle paths as the storage service expects', () => {
    expect(walRedoPaths('/b', 17)).toEqual({
      root: '/b/v17',
      bin: '/b/v17/bin',
      postgres: '/b/v17/bin/postgres',
      lib: '/b/v17/lib',
    });
  });

  it('picks protocol-test samples from different resource managers first', () => {
    const withDelta = new Set(
      storedVectors()
        .filter((v) => v.kind === 'delta')
        .map((v) => v.rmgr),
    ).size;
    expect(withDelta).toBeGreaterThanOrEqual(8);
    const s = pickSamples(storedVectors(), 12);
    expect(s).toHaveLength(12);
    expect(new Set(s.slice(0, withDelta).map((v) => v.rmgr)).size).toBe(withDelta);
    expect(s.slice(0, withDelta).every((v) => v.kind === 'delta')).toBe(true);
  });

  it('takes replay chains (judged by their answer) after the compared vectors, and alone from a sample without images', () => {
    const replay = storedVectors()
      .slice(0, 3)
      .map(({ expected: _e, mask: _m, ...v }) => ({ ...v, kind: 'replay' as const }));
    expect(
      pickSamples([...replay, ...storedVectors().slice(3, 6)], 6).map((v) => v.kind === 'replay'),
    ).toEqual([false, false, false, true, true, true]);
    expect(pickSamples(replay, 2)).toEqual(replay.slice(0, 2));
  });

  it('pushes an initialised empty page when no vector has a page', () => {
    const page = emptyPage();
    expect(replayedPageProblems(page, [0n])).toEqual([]);
    expect(pageIsNew(page)).toBe(false);
  });

  it('has the protocol tests the issue lists', () => {
    const names = PROTOCOL_TESTS.map((t) => t.name).join('\n');
    for (const w of [
      'ping',
      'push then get',
      'round trip',
      'many blocks',
      'pipelined',
      'another block',
      'unknown message type',
      'truncated',
      'over-long length',
      'closing stdin',
    ]) {
      expect(names).toContain(w);
    }
  });
});

describe('walredo report', () => {
  it('renders counts per rmgr and failures with the page offset explained', () => {
    const r = emptyReport('builtin');
    r.status = 'fail';
    r.protocol = {
      passed: 10,
      failed: 1,
      tests: [
        {
          name: 'ping answers with an 8192-byte zero page',
          passed: false,
          detail: 'the answer to ping is not a zero page',
        },
      ],
    };
    r.vectors.passed = 5;
    r.vectors.failed = 1;
    r.vectors.byRmgr = { Heap: { passed: 5, failed: 1, skipped: 2 } };
    r.vectors.failures.push({
      vector: 7,
      rmgr: 'Heap',
      kind: 'delta',
      tag: '1663/5/16384/0/3',
      lsn: '0/01500838',
      problems: [
        'masked (heap) pages differ in 1 bytes, first at 8100: tuple of line pointer 2 (tuple offset 8080, byte 20 of 32)',
      ],
      diff: {
        offset: 8100,
        region: 'tuple of line pointer 2 (tuple offset 8080, byte 20 of 32)',
        hexFrom: 8096,
        expectedHex: '00 01',
        actualHex: '00 02',
        differingBytes: 1,
      },
    });
    const md = reportMarkdown(15, r);
    expect(md).toContain('| Heap | 5 | 1 | 2 |');
    expect(md).toContain('ping answers with an 8192-byte zero page: the answer to ping is not a zero page');
    expect(describeFailure(r.vectors.failures[0])).toMatch(
      /bytes from page offset 8096 \(first difference at 8100, tuple of line pointer 2.*\):\n {4}expected 00 01\n {4}actual {3}00 02/,
    );
  });
});
