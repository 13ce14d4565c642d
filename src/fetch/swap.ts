/**
 * How fetch replaces --out in one step: the bundle is unpacked into a sibling directory
 * (`.<name>.pg-bundle-<sha>-<random>`, same file system) and --out becomes a symlink to it, switched
 * by one rename(2). After any interruption --out names the complete old or the complete new bundle;
 * the next run removes what an interrupted one left beside it. One fetch per --out at a time.
 */
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  rmdirSync,
  symlinkSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { hasPgBundleManifest } from '../core/manifest-file';
import { UserError } from '../util/errors';

/** Points between the renames of a swap, named for tests that inject failures there. */
export type SwapStep = 'linked' | 'moved-old' | 'swapped';

/** What a directory written by an older fetch may hold (it unpacked into --out itself). */
const LEGACY_ENTRY = /^(manifest\.json|v[1-9][0-9]*|\.pg-bundle-fetch-[0-9]+)$/;

export class OutSwap {
  private readonly parent: string;
  private readonly prefix: string;

  constructor(
    private readonly out: string,
    private readonly fault: (step: SwapStep) => void = () => undefined,
  ) {
    this.parent = dirname(out);
    if (this.parent === out)
      throw new UserError(`--out ${out} cannot be replaced`, 'pass a directory below /, e.g. pg_install');
    this.prefix = `.${basename(out)}.pg-bundle-`;
  }

  /** Undoes a swap interrupted between its two renames, then removes other runs' leftovers. */
  recover(): void {
    const ours = this.siblings();
    if (!this.kind()) {
      const old = ours.filter((n) => n.startsWith(`${this.prefix}old-`));
      if (old.length === 1) renameSync(join(this.parent, old[0]), this.out);
    }
    const keep = this.currentTarget();
    for (const name of this.siblings())
      if (name !== keep) rmSync(join(this.parent, name), { recursive: true, force: true });
  }

  /** A new empty directory beside --out to unpack into. */
  stage(sha256: string): string {
    mkdirSync(this.parent, { recursive: true });
    const dir = join(this.parent, `${this.prefix}${sha256.slice(0, 12)}-${randomBytes(4).toString('hex')}`);
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    return dir;
  }

  /**
   * Makes --out name `dir` (a directory from stage) and removes what it named before, if ours. A
   * failure before the switch undoes what was done, so --out keeps naming the old bundle.
   */
  install(dir: string): void {
    const link = join(this.parent, `${this.prefix}link-${randomBytes(4).toString('hex')}`);
    let old: string | undefined;
    let switched = false;
    try {
      symlinkSync(basename(dir), link);
      this.fault('linked');
      const kind = this.kind();
      if (kind === 'other')
        throw new UserError(`--out ${this.out} exists and is not a directory`, 'pass a directory path');
      const before = this.currentTarget();
      if (kind === 'directory' && !this.removedEmpty()) {
        old = join(this.parent, `${this.prefix}old-${randomBytes(4).toString('hex')}`);
        renameSync(this.out, old);
        this.fault('moved-old');
      } else if (before) old = join(this.parent, before);
      renameSync(link, this.out);
      switched = true;
      this.fault('swapped');
    } catch (err) {
      if (!switched) {
        rmSync(link, { force: true });
        if (old?.includes(`${this.prefix}old-`) && !this.kind()) renameSync(old, this.out);
        rmSync(dir, { recursive: true, force: true });
      }
      throw err;
    }
    if (old && basename(old) !== basename(dir)) rmSync(old, { recursive: true, force: true });
  }

  /**
   * A real --out directory is replaced only when empty (removed here: true) or written by an older
   * fetch (false): only its entries, and a manifest.json that pg-bundle wrote (a pg_distrib_dir of
   * one's own build holds vNN/ too, and is never replaced); anything else is refused.
   */
  private removedEmpty(): boolean {
    const names = readdirSync(this.out);
    const foreign = names.filter((n) => !LEGACY_ENTRY.test(n));
    if (foreign.length)
      throw new UserError(
        `--out ${this.out} holds ${foreign.slice(0, 3).join(', ')}, which fetch did not write`,
        'pass a new or empty directory (fetch replaces --out as a whole)',
      );
    if (names.length > 0 && !hasPgBundleManifest(this.out))
      throw new UserError(
        `--out ${this.out} holds ${names.slice(0, 3).join(', ')} but no manifest.json of pg-bundle: fetch did not write it`,
        'pass a new or empty directory (fetch replaces --out as a whole); move your own build elsewhere',
      );
    if (names.length > 0) return false;
    rmdirSync(this.out);
    return true;
  }

  private kind(): 'symlink' | 'directory' | 'other' | undefined {
    try {
      const st = lstatSync(this.out);
      return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'directory' : 'other';
    } catch {
      return undefined;
    }
  }

  /** The sibling --out links to (a name from stage), or undefined. */
  private currentTarget(): string | undefined {
    if (this.kind() !== 'symlink') return undefined;
    const target = readlinkSync(this.out);
    return target.startsWith(this.prefix) && !target.includes('/') ? target : undefined;
  }

  private siblings(): string[] {
    try {
      return readdirSync(this.parent).filter((n) => n.startsWith(this.prefix));
    } catch {
      return [];
    }
  }
}
