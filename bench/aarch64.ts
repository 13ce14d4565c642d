/**
 * The linux-aarch64 bundle (--aarch64): build time with a cold cache (an empty cache directory)
 * and a warm one (the same cache again), cross-built on this machine; its size against the x86-64
 * bundle of the same major; the walredo stage (corpus, protocol tests, every vector) in the AArch64
 * VM verify boots, and the VM's boot. Emulated (TCG) timings are qemu's on this machine, not an
 * ARM server's: they say what verify costs here, not how fast the bundle is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { platformById } from '../src/core/platform';
import { Logger } from '../src/util/logger';
import { bootVerifyVm } from '../src/verify/vm/session';
import { withReachableBundle } from '../src/verify/checks/walredo';
import { runWalRedoStage } from '../src/walredo/suite';
import { SectionTable } from './report';
import { bundleSize } from './size';
import { buildBundle } from './bundles';

export interface Aarch64Options {
  major: number;
  source: string;
  sha256?: string;
  jobs: number;
  /** the x86-64 bundle of the same major, for the size row (optional) */
  x86Bundle?: string;
  /** where the guest kernel is kept */
  cacheDir: string;
}

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

export async function aarch64Section(opts: Aarch64Options, log: Logger): Promise<SectionTable> {
  const work = mkdtempSync(join(tmpdir(), 'pgb-bench-aarch64-'));
  try {
    const build = async (out: string) => {
      const started = Date.now();
      await buildBundle({
        outDir: join(work, out),
        major: opts.major,
        linkage: 'static',
        source: opts.source,
        sha256: opts.sha256,
        cacheDir: join(work, 'cache'),
        jobs: opts.jobs,
        log,
        platform: platformById('linux-aarch64'),
      });
      return (Date.now() - started) / 1000;
    };
    const cold = await build('cold');
    const warm = await build('warm');
    const bundle = join(work, 'warm');
    const v = `v${opts.major}`;
    const size = await bundleSize(join(bundle, v));
    const x86 = opts.x86Bundle ? await bundleSize(join(resolve(opts.x86Bundle), v)) : undefined;
    // as verify runs it: from a copy an unprivileged user reaches (the build's scratch is root's)
    const { stage, bootMs } = await withReachableBundle(bundle, opts.major, log, async (dir) => {
      const vm = await bootVerifyVm(dir, opts.cacheDir, log);
      try {
        return {
          stage: await runWalRedoStage(dir, opts.major, { log, spawn: vm.walRedoSpawn() }),
          bootMs: vm.bootMs,
        };
      } finally {
        await vm.shutdown();
      }
    });
    const vectors = stage.vectors.passed + stage.vectors.failed;
    const seconds = (stage.durationMs ?? 0) / 1000;
    const row = (what: string, value: string, note = '') => [what, value, note];
    return {
      title: `linux-aarch64 bundle, v${opts.major} (cross-built here; emulated timings are qemu's, not an ARM machine's)`,
      intro: [
        `Cold: \`build --arch aarch64\` into an empty cache directory (source extraction, configure, compile of what the bundle needs, link, assemble); warm: the same cache again. ${opts.jobs} make jobs.`,
        "walredo: the verify stage (corpus written by the bundle's own server under qemu-user, 13 protocol tests, every vector) with walredo in the AArch64 VM (qemu-system-aarch64, TCG, Debian's arm64 kernel).",
      ],
      columns: ['measure', 'value', 'note'],
      rows: [
        row('build, cold cache', `${cold.toFixed(0)} s`),
        row('build, warm cache', `${warm.toFixed(1)} s`),
        row(`${v}/ on disk`, mib(size.bytes), x86 ? `x86-64: ${mib(x86.bytes)}` : ''),
        row(
          `${v}/ as published (tar, zstd ${size.zstdLevel})`,
          mib(size.zstdBytes),
          x86 ? `x86-64: ${mib(x86.zstdBytes)}` : '',
        ),
        row('VM boot to ready', `${((bootMs ?? 0) / 1000).toFixed(1)} s`, 'emulated'),
        row(
          'walredo stage in the VM',
          `${seconds.toFixed(1)} s`,
          `emulated: ${vectors} vectors (${(vectors / Math.max(seconds, 0.001)).toFixed(0)}/s overall), ${stage.protocol.passed}/${stage.protocol.passed + stage.protocol.failed} protocol tests, status ${stage.status}${stage.status === 'pass' ? '' : ` (${stage.message ?? ''})`}`,
        ),
      ],
      notes: [],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
