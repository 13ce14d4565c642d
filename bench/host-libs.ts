/**
 * What a bundle still takes from the host at run time: the shared libraries its executables and
 * modules load (resolved by ldd with LD_LIBRARY_PATH=<dir>/lib, as the storage service runs them)
 * that are not inside the bundle. Static binaries load none.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnCollect } from '../src/verify/process';

/** Resolved library paths from ldd's output; the dynamic loader's own line included (pure). */
export function parseLdd(text: string): { resolved: string[]; missing: string[] } {
  const resolved: string[] = [];
  const missing: string[] = [];
  for (const line of text.split('\n')) {
    const arrow = /^\s*(\S+)\s+=>\s+(\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line);
    if (arrow) {
      resolved.push(arrow[2]);
      continue;
    }
    const notFound = /^\s*(\S+)\s+=>\s+not found\s*$/.exec(line);
    if (notFound) {
      missing.push(notFound[1]);
      continue;
    }
    const loader = /^\s*(\/\S+)\s+\(0x[0-9a-f]+\)\s*$/.exec(line);
    if (loader) resolved.push(loader[1]);
  }
  return { resolved, missing };
}

function elfFiles(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['bin', 'lib', 'lib/postgresql']) {
    let names: string[] = [];
    try {
      names = readdirSync(join(dir, sub));
    } catch {
      continue;
    }
    for (const n of names) {
      const p = join(dir, sub, n);
      if (sub !== 'bin' && !/\.so(\.\d+)*$/.test(n)) continue;
      if (statSync(p).isFile()) out.push(p);
    }
  }
  return out;
}

export interface HostLibraries {
  libraries: string[];
  bytes: number;
  missing: string[];
}

export async function hostLibraries(dir: string): Promise<HostLibraries> {
  const inside = realpathSync(dir) + '/';
  const libs = new Set<string>();
  const missing = new Set<string>();
  for (const file of elfFiles(dir)) {
    const o = await spawnCollect('ldd', [file], {
      env: { LD_LIBRARY_PATH: join(dir, 'lib'), PATH: '/usr/bin:/bin' },
    });
    if (o.code !== 0) continue; // "not a dynamic executable"
    const { resolved, missing: m } = parseLdd(o.stdout);
    for (const p of resolved) {
      const real = realpathSync(p);
      if (!real.startsWith(inside)) libs.add(real);
    }
    for (const x of m) missing.add(x);
  }
  const libraries = [...libs].sort();
  return {
    libraries,
    bytes: libraries.reduce((n, p) => n + statSync(p).size, 0),
    missing: [...missing].sort(),
  };
}
