import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSourceLocked } from '../../../src/compile/build';
import { withCacheLock } from '../../../src/compile/cache-lock';
import { MemoryLogger } from '../../support/memory-logger';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('source resolution under the cache lock', () => {
  let work: string;
  beforeEach(() => (work = mkdtempSync(join(tmpdir(), 'resolve-locked-'))));
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('waits while another build resolves (extracts or deletes) sources in the same cache', async () => {
    const tree = join(work, 'pg');
    for (const [path, text] of Object.entries({
      configure: "PACKAGE_VERSION='15.18'\n",
      'src/include/catalog/catversion.h': '#define CATALOG_VERSION_NO\t202209061\n',
      'src/backend/main/main.c': '\n',
    })) {
      mkdirSync(join(tree, path, '..'), { recursive: true });
      writeFileSync(join(tree, path), text);
    }
    const cacheDir = join(work, 'cache');
    const log = new MemoryLogger();
    const events: string[] = [];
    const other = withCacheLock(join(cacheDir, 'sources'), log, async () => {
      events.push('other build resolves');
      await sleep(1_500);
      events.push('other build done');
    });
    await sleep(100);
    const resolved = resolveSourceLocked({ kind: 'dir', path: tree }, 15, { cacheDir, log }).then((s) => {
      events.push('this build resolved');
      return s;
    });
    await Promise.all([other, resolved]);
    expect(events).toEqual(['other build resolves', 'other build done', 'this build resolved']);
    expect(
      log.lines.some((l) => l.includes(`waiting: another build using ${join(cacheDir, 'sources')}`)),
    ).toBe(true);
    expect((await resolved).version.full).toBe('15.18');
  });
});
