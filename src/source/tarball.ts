/** A source tarball: downloaded or copied into the cache, checked against its sha256, extracted once. */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UserError } from '../util/errors';
import { run } from '../util/exec';
import { sha256File } from '../util/hash';
import { Logger } from '../util/logger';
import { ResolveContext } from './context';

/** Downloads (or copies) a tarball into the cache, checks its sha256 and extracts it once. */
export async function fetchTarball(location: string, sha256: string, ctx: ResolveContext): Promise<string> {
  const downloadDir = join(ctx.cacheDir, 'downloads', sha256);
  const name = basename(new URL(location, 'file:///').pathname) || 'source.tar';
  const file = join(downloadDir, name);
  if (!existsSync(file) || (await sha256File(file)) !== sha256) {
    mkdirSync(downloadDir, { recursive: true });
    const partial = `${file}.partial`;
    await ctx.log.step(`download ${location}`, async () => {
      if (/^https?:\/\//.test(location)) {
        const response = await fetch(location);
        if (!response.ok)
          throw new UserError(
            `download of ${location} failed: HTTP ${response.status}`,
            'check the URL and the network',
          );
        writeFileSync(partial, Buffer.from(await response.arrayBuffer()));
      } else {
        const path = location.replace(/^file:\/\//, '');
        if (!existsSync(path))
          throw new UserError(`tarball ${path} does not exist`, 'check the path given after tarball:');
        await copyFile(path, partial);
      }
    });
    const actual = await sha256File(partial);
    if (actual !== sha256) {
      rmSync(partial, { force: true });
      throw new UserError(
        `checksum mismatch for ${location}: expected sha256 ${sha256}, got ${actual}`,
        'check that --sha256 belongs to this tarball (the file was not kept)',
      );
    }
    renameSync(partial, file);
  }
  return extractOnce(file, join(ctx.cacheDir, 'trees', sha256), ctx.log);
}

/** Extracts a tarball into `target` (once; an interrupted extraction is redone) and returns its top directory. */
export async function extractOnce(tarball: string, target: string, log: Logger): Promise<string> {
  const done = join(target, '.pg-bundle-extracted');
  if (!existsSync(done)) {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    await log.step(`extract ${basename(tarball)}`, () => run('tar', ['-xf', tarball, '-C', target]));
    writeFileSync(done, '');
  }
  const entries = readdirSync(target).filter((e) => !e.startsWith('.'));
  if (entries.length === 1 && statSync(join(target, entries[0])).isDirectory())
    return join(target, entries[0]);
  return target;
}
