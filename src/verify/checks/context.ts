import { CheckResult, Manifest, VersionConformance, VersionManifest } from '../../core/manifest';
import { Platform } from '../../core/platform';
import { Logger } from '../../util/logger';
import { Sandbox } from '../sandbox';
import type { AArch64Vm } from '../vm/machine';

/** The bundle of the same majors built for another platform (verify --cross-check). */
export interface OtherPlatformBundle {
  bundleDir: string;
  platform: Platform;
}

/** Everything the checks of one version share; checks fill the `facts` and the data-directory paths. */
export interface VersionContext {
  /** absolute bundle root (holds vNN/ and manifest.json) */
  bundleDir: string;
  major: number;
  /** "v15" */
  dir: string;
  manifestPath: string;
  manifest?: Manifest;
  /** why the manifest could not be read (missing or invalid) */
  manifestProblem?: string;
  log: Logger;
  /** scratch directory of this version */
  workDir: string;
  sandbox?: Sandbox;
  /** why no sandbox is available */
  isolationProblem?: string;
  /** host path of the cluster made by the empty-root initdb, once it succeeded */
  emptyRootData?: string;
  facts: Omit<VersionConformance, 'checks'>;
  /** the same majors built for another platform (--cross-check) */
  otherPlatform?: OtherPlatformBundle;
  /** the AArch64 VM walredo runs in when this machine cannot run it (src/verify/vm/session.ts) */
  vm?: AArch64Vm;
}

export function versionManifest(ctx: VersionContext): VersionManifest | undefined {
  return ctx.manifest?.versions[String(ctx.major)];
}

export const pass = (name: string, detail: string): CheckResult => ({ name, status: 'pass', detail });
export const fail = (name: string, detail: string): CheckResult => ({ name, status: 'fail', detail });
export const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

/** At most `n` items, then "... and K more". */
export function listSome(items: readonly string[], n = 8): string {
  const shown = items.slice(0, n).join('\n');
  return items.length > n ? `${shown}\n... and ${items.length - n} more` : shown;
}
