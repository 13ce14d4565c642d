/**
 * What `compare` accepts as <old> and <new>. Each reader recognises one kind of argument: a bundle
 * directory, a pin file, or a release as `owner/name@tag` (the last two fetched through fetch's
 * checked path into a temporary directory, removed by the input's cleanup).
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listVersionDirs } from '../core/bundle-files';
import { readManifestFile } from '../core/manifest-file';
import { Manifest } from '../core/manifest';
import { FetchAccess, fetchToTemp, FetchedBundle } from '../fetch/temp';
import { errorMessage, UserError } from '../util/errors';

export interface CompareInput {
  /** how the report names it */
  label: string;
  /** a bundle directory: vNN/{bin,lib,share} */
  dir: string;
  majors: number[];
  manifest?: Manifest;
  /** removes what reading it left (a fetched bundle's temporary directory) */
  cleanup?: () => void;
}

/**
 * A reader answers undefined when the argument is not its kind, and throws a UserError when it is
 * but is unusable; `access` is how a fetching reader reaches GitHub.
 */
export type InputReader = (arg: string, access: FetchAccess) => Promise<CompareInput | undefined>;

/** Majors whose vNN/ has both programs compare runs. */
export function completeMajors(dir: string): number[] {
  return listVersionDirs(dir).filter((m) =>
    ['initdb', 'postgres'].every((p) => existsSync(join(dir, `v${m}`, 'bin', p))),
  );
}

/** A bundle directory as a compare input (undefined when `dir` is no directory). */
export function directoryInput(dir: string, label: string): CompareInput | undefined {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return undefined;
  const majors = completeMajors(dir);
  if (majors.length === 0)
    throw new UserError(`${label} is not a bundle directory: it has no vNN/bin/initdb and vNN/bin/postgres`);
  let manifest: Manifest | undefined;
  try {
    manifest = existsSync(join(dir, 'manifest.json'))
      ? readManifestFile(join(dir, 'manifest.json'))
      : undefined;
  } catch {
    manifest = undefined; // compare runs the programs; the manifest only adds walredo's preload list
  }
  return { label, dir, majors, manifest };
}

export const bundleDirectory: InputReader = async (arg) => directoryInput(resolve(arg), arg);

/** A fetched bundle as a compare input, named `label`; its temporary directory goes with cleanup. */
export function fetchedInput(label: string, fetched: FetchedBundle): CompareInput {
  try {
    const input = directoryInput(fetched.dir, label);
    if (!input) throw new UserError(`${label}: fetch left no bundle directory at ${fetched.dir}`);
    return { ...input, cleanup: fetched.cleanup };
  } catch (err) {
    fetched.cleanup();
    throw err;
  }
}

/** A file: a pin file, whose bundle fetch downloads and checks. */
export const pinFile: InputReader = async (arg, access) => {
  const path = resolve(arg);
  if (!existsSync(path) || !statSync(path).isFile()) return undefined;
  const fetched = await fetchToTemp({ pinPath: path }, access, 'pg-bundle-compare-fetched-');
  return fetchedInput(`${arg} (${fetched.tag})`, fetched);
};

/** `owner/name@tag`, as a workflow's `uses:` names a release of an action. */
const RELEASE = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)@(\S+)$/;

export const release: InputReader = async (arg, access) => {
  const m = RELEASE.exec(arg);
  if (!m || existsSync(resolve(arg))) return undefined;
  const fetched = await fetchToTemp({ repository: m[1], tag: m[2] }, access, 'pg-bundle-compare-fetched-');
  return fetchedInput(arg, fetched);
};

export const INPUT_READERS: InputReader[] = [bundleDirectory, pinFile, release];

const KINDS = 'a bundle directory, a pin file or a release as owner/name@tag';

export async function readInput(
  arg: string | undefined,
  which: 'old' | 'new',
  access: FetchAccess,
): Promise<CompareInput> {
  if (!arg) throw new UserError(`compare needs two bundles: <old> <new> (the ${which} one is missing)`);
  for (const reader of INPUT_READERS) {
    let input: CompareInput | undefined;
    try {
      input = await reader(arg, access);
    } catch (err) {
      // fetch's own message (and fix) after the side it concerns
      if (err instanceof UserError) throw new UserError(`${which} bundle ${arg}: ${errorMessage(err)}`);
      throw err;
    }
    if (input) return input;
  }
  throw new UserError(`${which} bundle ${arg} does not exist (compare takes ${KINDS})`);
}
