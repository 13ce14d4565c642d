/**
 * build's --out: a directory build may rewrite (it replaces vNN/, logs/vNN/ and .build/ there) only
 * when it made it. It leaves a marker file; an unrelated non-empty directory, `/` and $HOME are refused.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { hasPgBundleManifest } from '../core/manifest-file';
import { UserError } from '../util/errors';

export const OUT_MARKER = '.pg-bundle-out';
const MARKER_TEXT = 'made by pg-bundle build: it may replace vNN/, logs/ and .build/ here\n';

/** What a build directory written before the marker existed may hold. */
const BUILD_ENTRY = /^(manifest\.json|v[1-9][0-9]*|logs|\.build|debug)$/;

function madeByOlderBuild(dir: string, names: string[]): boolean {
  return names.every((n) => BUILD_ENTRY.test(n)) && hasPgBundleManifest(dir);
}

/** Makes or accepts `out` as build's output directory and marks it; refuses anything else. */
export function claimOutDir(outDir: string, home: string = homedir()): string {
  const out = resolve(outDir);
  const rel = relative(out, resolve(home));
  if (out === resolve('/') || rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep)))
    throw new UserError(
      `--out ${out} is / , your home directory or one of its parents`,
      'pass a directory of its own for the bundle, e.g. --out out',
    );
  if (existsSync(out)) {
    if (!statSync(out).isDirectory())
      throw new UserError(`--out ${out} exists and is not a directory`, 'pass a directory path');
    const names = readdirSync(out);
    if (names.length > 0 && !names.includes(OUT_MARKER) && !madeByOlderBuild(out, names))
      throw new UserError(
        `--out ${out} is not empty and was not made by pg-bundle build (no ${OUT_MARKER}); build would replace files in it`,
        'pass a new or empty directory',
      );
  } else mkdirSync(out, { recursive: true });
  writeFileSync(join(out, OUT_MARKER), MARKER_TEXT);
  return out;
}
