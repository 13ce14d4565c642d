import { Logger } from '../util/logger';

/** What resolving a source needs: the cache it downloads into, the log, and Debian's archive. */
export interface ResolveContext {
  cacheDir: string;
  log: Logger;
  debianMirror?: string;
  debianSuites?: string[];
  /** Keyring the Debian archive's Release files are checked against (default: Debian's archive keyring). */
  debianKeyring?: string;
}
