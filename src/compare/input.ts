/**
 * What `compare` accepts as <old> and <new>. Each reader recognises one kind of argument; a pin
 * file or a release (fetched through fetch's checked path) is one more reader in INPUT_READERS.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listVersionDirs } from '../core/bundle-files';
import { readManifestFile } from '../core/manifest-file';
import { Manifest } from '../core/manifest';
import { UserError } from '../util/errors';

export interface CompareInput {
  /** how the report names it */
  label: string;
  /** a bundle directory: vNN/{bin,lib,share} */
  dir: string;
  majors: number[];
  manifest?: Manifest;
}

/** A reader answers undefined when the argument is not its kind, and throws a UserError when it is but is unusable. */
export type InputReader = (arg: string) => Promise<CompareInput | undefined>;

/** Majors whose vNN/ has both programs compare runs. */
function completeMajors(dir: string): number[] {
  return listVersionDirs(dir).filter((m) =>
    ['initdb', 'postgres'].every((p) => existsSync(join(dir, `v${m}`, 'bin', p))),
  );
}

export const bundleDirectory: InputReader = async (arg) => {
  const dir = resolve(arg);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const majors = completeMajors(dir);
  if (majors.length === 0)
    throw new UserError(`${arg} is not a bundle directory: it has no vNN/bin/initdb and vNN/bin/postgres`);
  let manifest: Manifest | undefined;
  try {
    manifest = existsSync(join(dir, 'manifest.json'))
      ? readManifestFile(join(dir, 'manifest.json'))
      : undefined;
  } catch {
    manifest = undefined; // compare runs the programs; the manifest only adds walredo's preload list
  }
  return { label: arg, dir, majors, manifest };
};

export const INPUT_READERS: InputReader[] = [bundleDirectory];

export async function readInput(arg: string | undefined, which: 'old' | 'new'): Promise<CompareInput> {
  if (!arg)
    throw new UserError(`compare needs two bundle directories: <old> <new> (the ${which} one is missing)`);
  for (const reader of INPUT_READERS) {
    const input = await reader(arg);
    if (input) return input;
  }
  throw new UserError(`${which} bundle ${arg} does not exist (compare takes bundle directories)`);
}
