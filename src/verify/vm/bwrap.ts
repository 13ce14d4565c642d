/**
 * bwrap's command line as the walredo stage writes it (readOnlyRootArgs), read into a spawn in the
 * VM (pure): the guest's init makes the same empty read-only root itself, so the stage keeps one
 * description of that root for both machines. Only the options that description uses are known.
 */
import { RootEntry } from './protocol';

export interface RootSpawn {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  uid?: number;
  gid?: number;
  root: RootEntry[];
}

/** Options the guest's namespaces and read-only root already give (or, for --die-with-parent, the VM's end). */
const IMPLIED = new Set(['--unshare-all', '--die-with-parent', '--clearenv']);

export function rootSpawnFromBwrap(argv: readonly string[]): RootSpawn {
  const spawn: RootSpawn = { command: '', args: [], env: {}, cwd: '/', root: [] };
  let i = 0;
  const value = (option: string): string => {
    const v = argv[++i];
    if (v === undefined) throw new Error(`bwrap ${option} needs a value`);
    return v;
  };
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      [spawn.command, ...spawn.args] = argv.slice(i + 1);
      break;
    }
    if (IMPLIED.has(a)) continue;
    if (a === '--uid') spawn.uid = Number(value(a));
    else if (a === '--gid') spawn.gid = Number(value(a));
    else if (a === '--ro-bind' || a === '--dev-bind') {
      const source = value(a);
      spawn.root.push({ kind: a.slice(2) as 'ro-bind' | 'dev-bind', source, target: value(a) });
    } else if (a === '--proc') spawn.root.push({ kind: 'proc', target: value(a) });
    else if (a === '--remount-ro') {
      if (value(a) !== '/') throw new Error('the VM remounts only / read-only');
    } else if (a === '--setenv') {
      const name = value(a);
      spawn.env[name] = value(a);
    } else if (a === '--chdir') spawn.cwd = value(a);
    else
      throw new Error(`the VM does not know bwrap's ${a}: it makes only the root readOnlyRootArgs describes`);
  }
  if (!spawn.command) throw new Error('bwrap arguments without "-- <command>"');
  return spawn;
}
