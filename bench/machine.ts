/** The machine a benchmark ran on: CPU model and cores from /proc/cpuinfo, kernel from uname. */
import { readFileSync } from 'node:fs';
import { release, machine as arch, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  /** logical CPUs (processor entries) */
  cpus: number;
  /** distinct (physical id, core id) pairs, when /proc/cpuinfo has them */
  physicalCores?: number;
  kernel: string;
  arch: string;
  memoryGiB: number;
}

/** CPU model, logical CPUs and physical cores from the text of /proc/cpuinfo (pure). */
export function parseCpuinfo(text: string): { cpuModel: string; cpus: number; physicalCores?: number } {
  const blocks = text.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (block: string, name: string) =>
    new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(block)?.[1].trim();
  const cores = new Set<string>();
  let complete = blocks.length > 0;
  for (const b of blocks) {
    const phys = field(b, 'physical id');
    const core = field(b, 'core id');
    if (phys === undefined || core === undefined) complete = false;
    else cores.add(`${phys}/${core}`);
  }
  const model = blocks.map((b) => field(b, 'model name')).find((m) => m) ?? 'unknown CPU';
  return {
    cpuModel: model.replace(/\s+/g, ' '),
    cpus: blocks.length,
    ...(complete ? { physicalCores: cores.size } : {}),
  };
}

export function machineInfo(): MachineInfo {
  const cpu = parseCpuinfo(readFileSync('/proc/cpuinfo', 'utf8'));
  return { ...cpu, kernel: release(), arch: arch(), memoryGiB: Math.round(totalmem() / 2 ** 30) };
}

export function describeMachine(m: MachineInfo): string {
  const cores =
    m.physicalCores !== undefined ? `${m.cpus} CPUs (${m.physicalCores} cores)` : `${m.cpus} CPUs`;
  return `${m.cpuModel}, ${cores}, ${m.memoryGiB} GiB RAM, Linux ${m.kernel} ${m.arch}`;
}
