import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandContext } from '../../../src/core/context';
import { Manifest } from '../../../src/core/manifest';
import { UserError } from '../../../src/util/errors';
import { MemoryLogger } from '../../support/memory-logger';
import { bundleMajors, verifyCommand } from '../../../src/verify/command';
import { VerifyReport } from '../../../src/verify/report';
import { makeToyBundle } from './toy-bundle';

function context(args: string[]) {
  const outputs: Record<string, string> = {};
  const summaries: string[] = [];
  const log = new MemoryLogger();
  const ctx: CommandContext = {
    log,
    args,
    setOutput: (k, v) => (outputs[k] = v),
    addSummary: async (md) => void summaries.push(md),
    setSecret: () => undefined,
  };
  return { ctx, outputs, summaries, log };
}

describe('bundleMajors', () => {
  it('lists the vNN directories of a bundle, in order', () => {
    const root = mkdtempSync(join(tmpdir(), 'verify-majors-'));
    for (const d of ['v18', 'v15', 'debug', 'logs']) mkdirSync(join(root, d));
    expect(bundleMajors(root)).toEqual([15, 18]);
  });
  it('a directory without bundles is a UserError', () => {
    expect(() => bundleMajors(mkdtempSync(join(tmpdir(), 'verify-empty-')))).toThrow(UserError);
  });
});

describe('verifyCommand', () => {
  let root: string;
  let bundle: string;
  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'verify-command-'));
    bundle = join(root, 'bundle');
    mkdirSync(bundle);
    await makeToyBundle(bundle);
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('fails in one line when the report cannot be merged into the manifest (publish would fail later)', async () => {
    const { ctx, log } = context([bundle]);
    const manifestPath = join(bundle, 'manifest.json');
    chmodSync(manifestPath, 0o444);
    chmodSync(bundle, 0o555);
    try {
      // as root the modes do not stop a write: make the manifest unreadable as JSON instead
      if (process.getuid?.() === 0) {
        chmodSync(bundle, 0o755);
        chmodSync(manifestPath, 0o644);
        writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').slice(0, 40));
      }
      const code = await verifyCommand(
        { pg: '15', report: join(root, 'r.json'), allowUnisolated: true },
        ctx,
      );
      expect(code).toBe(1);
      expect(
        log.lines.some((l) => /^error: conformance could not be merged into .*manifest\.json/.test(l)),
      ).toBe(true);
    } finally {
      chmodSync(bundle, 0o755);
    }
  });

  it('exits 1 on a bundle whose initdb fails, writes the report, merges it into the manifest and summarises', async () => {
    const { ctx, outputs, summaries, log } = context([bundle]);
    const reportPath = join(root, 'reports/conformance.json');
    const code = await verifyCommand({ pg: '15', report: reportPath, allowUnisolated: true }, ctx);
    expect(code).toBe(1);
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as VerifyReport;
    const checks = report.versions['15'].checks;
    expect(checks.map((c) => `${c.name}:${c.status}`)).toEqual([
      'manifest-files:pass',
      'elf-static:pass',
      'elf-machine:pass',
      'elf-min-kernel:pass',
      'no-build-paths:pass',
      'hardening:pass',
      'empty-root-initdb:fail',
      'pg-version-file:skip',
      'pg-control:skip',
      'determinism:skip',
      'host-independence:skip',
      'single-user-query:skip',
      'kernel-floor:fail',
      'walredo:fail',
    ]);
    expect(checks.find((c) => c.name === 'walredo')!.detail).toMatch(/has no walredo mode/);
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.versions['15'].conformance?.checks).toEqual(checks);
    expect(manifest.versions['15'].files.length).toBe(3);
    expect(outputs).toEqual({ 'report-path': reportPath, verified: 'false' });
    expect(summaries[0]).toContain('| v15 | empty-root-initdb | ❌ fail |');
    expect(
      log.lines.some((l) => /^error: v15 empty-root-initdb: v15\/bin\/initdb exited with code 1/.test(l)),
    ).toBe(true);
    expect(log.lines.some((l) => /^v15\s+manifest-files\s+PASS/.test(l))).toBe(true);
  });

  it('writes the report next to the bundle by default and names a missing manifest', async () => {
    rmSync(join(bundle, 'manifest.json'));
    const { ctx } = context([bundle]);
    expect(await verifyCommand({ pg: '15', allowUnisolated: true }, ctx)).toBe(1);
    const report = JSON.parse(readFileSync(join(bundle, 'conformance.json'), 'utf8')) as VerifyReport;
    expect(report.versions['15'].checks[0]).toEqual({
      name: 'manifest-files',
      status: 'fail',
      detail: `${join(bundle, 'manifest.json')} is missing (fix: run pg-bundle build (and verify) with this --out first, or pass the directories that hold manifest.json); the bundle's files cannot be checked`,
    });
  });

  it('names a manifest of another schema version and still runs the other checks', async () => {
    writeFileSync(join(bundle, 'manifest.json'), JSON.stringify({ schemaVersion: 999, versions: {} }));
    const { ctx } = context([bundle]);
    expect(await verifyCommand({ pg: '15', allowUnisolated: true }, ctx)).toBe(1);
    const report = JSON.parse(readFileSync(join(bundle, 'conformance.json'), 'utf8')) as VerifyReport;
    const checks = report.versions['15'].checks;
    expect(checks[0].detail).toMatch(/is not a pg-bundle manifest of schema version \d+ \(fix: rebuild it/);
    expect(checks.length).toBeGreaterThan(1);
  });

  it('rejects a version the bundle does not have, naming the ones it has', async () => {
    const { ctx } = context([bundle]);
    await expect(verifyCommand({ pg: '15,18' }, ctx)).rejects.toThrow(
      /has no v18\/ \(it has: v15\)[\s\S]*--pg 15/,
    );
    await expect(verifyCommand({ pg: '15' }, context([join(root, 'nowhere')]).ctx)).rejects.toThrow(
      /does not exist/,
    );
  });
});
