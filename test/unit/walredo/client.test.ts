/**
 * Error paths of the walredo client with real processes that are not walredo: a missing
 * executable, one that fails at once, one that never answers, one that writes unasked output.
 */
import {
  WalRedoClient,
  WalRedoExited,
  WalRedoProtocolError,
  WalRedoTimeout,
} from '../../../src/walredo/client';

describe('WalRedoClient failures', () => {
  it('a missing executable fails requests with WalRedoExited', async () => {
    const c = new WalRedoClient('/nonexistent/bin/postgres');
    await expect(c.ping()).rejects.toThrow(WalRedoExited);
    await expect(c.ping()).rejects.toThrow(/could not start \/nonexistent\/bin\/postgres: ENOENT/);
  });

  it('a process that exits reports its code and the tail of stderr', async () => {
    const c = new WalRedoClient('/bin/sh', {
      args: ['-c', 'echo "FATAL:  unrecognized option --wal-redo" >&2; exit 3'],
    });
    const err = (await c.ping().catch((e: unknown) => e)) as WalRedoExited;
    expect(err).toBeInstanceOf(WalRedoExited);
    expect(err.exitCode).toBe(3);
    expect(err.stderrTail).toContain('unrecognized option --wal-redo');
    expect(err.message).toMatch(/exited with code 3[\s\S]*walredo stderr/);
  });

  it('a request without an answer times out, and the process is killed', async () => {
    const c = new WalRedoClient('/bin/sleep', { args: ['30'], timeoutMs: 300 });
    const pending = [c.ping(), c.ping()];
    await expect(pending[0]).rejects.toThrow(WalRedoTimeout);
    await expect(pending[1]).rejects.toThrow(WalRedoTimeout);
    const exit = await c.waitExit(10000);
    expect(exit.signal).toBe('SIGKILL');
    await expect(c.ping()).rejects.toThrow(WalRedoTimeout);
  });

  it('output nobody asked for is a protocol error', async () => {
    const c = new WalRedoClient('/bin/sh', {
      args: ['-c', 'head -c 8192 /dev/zero; exec sleep 30'],
      timeoutMs: 20000,
    });
    const exit = await c.waitExit(20000);
    expect(exit.signal).toBe('SIGKILL');
    await expect(c.ping()).rejects.toThrow(WalRedoProtocolError);
  });

  it('the environment is cleared unless given', async () => {
    process.env.PGB_WALREDO_TEST = 'leak';
    const c = new WalRedoClient('/bin/sh', {
      args: ['-c', 'echo "env:${PGB_WALREDO_TEST:-none}:$LD_LIBRARY_PATH" >&2; exit 1'],
      env: { LD_LIBRARY_PATH: '/b/v15/lib' },
    });
    await c.waitExit(10000);
    expect(c.stderr()).toContain('env:none:/b/v15/lib');
    delete process.env.PGB_WALREDO_TEST;
  });
});
