/** Small synthetic bundles (a few files, not real PostgreSQL builds) and a recording CommandContext. */
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandContext } from '../../../src/core/context';
import { FileEntry, Manifest, MANIFEST_SCHEMA_VERSION, VersionManifest } from '../../../src/core/manifest';
import { sha256 } from '../../../src/util/hash';
import { MemoryLogger } from '../../support/memory-logger';
import { makePinBumpCommand } from '../../../src/pin-bump/command';
import { DEFAULT_PIN_PATH } from '../../../src/core/options';
import { retryPolicy } from '../../../src/github/retry';
import { fetchBundle } from '../../../src/fetch/fetch';
import { FakeGitHub } from '../../fake-github';
import * as tarStream from 'tar-stream';
import { zstdDecompressStream } from '../../../src/fetch/zstd';

export function tempDir(prefix = 'pgb-publish-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

const FILES: { path: string; exec: boolean; content: (major: number, salt: string) => string }[] = [
  { path: 'bin/postgres', exec: true, content: (m, s) => `#!/bin/sh\necho postgres ${m} ${s}\n` },
  { path: 'bin/initdb', exec: true, content: (m) => `#!/bin/sh\necho initdb ${m}\n` },
  { path: 'share/postgresql/postgres.bki', exec: false, content: (m) => `bki ${m}\n` },
  { path: 'lib/postgresql/plpgsql.so', exec: false, content: () => 'marker\n' },
];

export function versionManifest(
  major: number,
  files: FileEntry[],
  revision = `rev${major}abcdef0123`,
): VersionManifest {
  return {
    postgres: { version: `${major}.4`, major, catversion: 202200000 + major },
    source: { spec: `dir:/src/${major}`, kind: 'dir', revision },
    linkage: 'static',
    configureFlags: [],
    toolchain: { compiler: 'gcc 12', glibc: '2.36', binutils: '2.40' },
    icu: { version: '72.1', origin: 'debian' },
    components: [
      {
        name: 'zlib',
        version: '1.2.13',
        debianPackage: 'zlib1g-dev',
        debianVersion: '1:1.2.13.dfsg-1',
        purl: 'pkg:deb/debian/zlib1g-dev@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12',
      },
    ],
    locales: ['C.UTF-8'],
    modules: [],
    walredo: { mode: 'builtin' },
    files,
    buildDurationSeconds: 1,
    conformance: {
      checks: [
        { name: 'initdb', status: 'pass', detail: '' },
        { name: 'walredo', status: 'skip', detail: 'skipped' },
      ],
      collation: {
        icuVersion: '72.1',
        datcollate: 'C.UTF-8',
        datlocprovider: 'c',
        libcCollationVersion: '2.36',
      },
    },
  };
}

/** Writes <dir>/vNN/... for each major and <dir>/manifest.json describing them. */
export function makeArtifactDir(dir: string, majors: number[], salt = 'a'): Manifest {
  const manifest: Manifest = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    tool: { name: 'pg-bundle', version: '0.1.0' },
    platform: 'linux-x86_64',
    versions: {},
  };
  for (const major of majors) {
    const entries: FileEntry[] = [];
    for (const f of FILES) {
      const abs = join(dir, `v${major}`, f.path);
      mkdirSync(join(abs, '..'), { recursive: true });
      const content = f.content(major, salt);
      writeFileSync(abs, content);
      chmodSync(abs, f.exec ? 0o755 : 0o644);
      entries.push({
        path: `v${major}/${f.path}`,
        sha256: sha256(content),
        size: Buffer.byteLength(content),
        mode: f.exec ? '0755' : '0644',
      });
    }
    manifest.versions[String(major)] = versionManifest(major, entries);
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}

export interface TestContext extends CommandContext {
  log: MemoryLogger;
  outputs: Record<string, string>;
  secrets: string[];
  summaries: string[];
}

export function testContext(args: string[] = []): TestContext {
  const outputs: Record<string, string> = {};
  const secrets: string[] = [];
  const summaries: string[] = [];
  return {
    log: new MemoryLogger(),
    args,
    outputs,
    secrets,
    summaries,
    setOutput: (name, value) => {
      outputs[name] = value;
    },
    addSummary: async (md) => {
      summaries.push(md);
    },
    setSecret: (v) => {
      secrets.push(v);
    },
  };
}

/**
 * Opens the pin-bump PR against FakeGitHub for what was published from `out` and returns the
 * command's context and the pin file on the bump branch (the shared middle of the publish → bump →
 * fetch chains).
 */
export async function bumpAndReadPin(
  fake: FakeGitHub,
  input: { out: string; repository: string; storageTeam: string; allowOlder?: boolean },
): Promise<{ ctx: TestContext; pinText: string }> {
  const ctx = testContext();
  const bump = makePinBumpCommand({ env: { PG_BUNDLE_RETRY_BASE_MS: '0' } });
  const code = await bump({ ...input, token: fake.token, apiUrl: fake.baseUrl, labels: ['pg-bundle'] }, ctx);
  if (code !== 0) throw new Error(`pin-bump exited with ${code}: ${ctx.log.lines.join('\n')}`);
  const pinText = fake.readFile(input.repository, 'pg-bundle/bump', DEFAULT_PIN_PATH);
  if (typeof pinText !== 'string') throw new Error(`no ${DEFAULT_PIN_PATH} on pg-bundle/bump`);
  return { ctx, pinText };
}

/** Fetches into `outDir` what the pin file text names, as the consumer's fetch step does. */
export async function fetchFromPin(fake: FakeGitHub, pinText: string, outDir: string): Promise<void> {
  const pinPath = join(mkdtempSync(join(tmpdir(), 'pgb-pin-file-')), 'postgres-bundle.json');
  writeFileSync(pinPath, pinText);
  await fetchBundle({
    pinPath,
    outDir,
    token: fake.token,
    apiUrl: fake.baseUrl,
    log: testContext().log,
    retry: retryPolicy({ PG_BUNDLE_RETRY_BASE_MS: '0' }),
  });
}

/** Every entry of a published .tar.zst, in archive order (a test reader; fetch extracts with its checks). */
export async function unpackArchive(
  asset: Buffer,
): Promise<{ path: string; type: string; mode: number; data?: Buffer; linkname?: string }[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of zstdDecompressStream(asset, 'the archive', 1 << 30)) chunks.push(chunk);
  const extract = tarStream.extract();
  extract.end(Buffer.concat(chunks));
  const entries = [];
  for await (const entry of extract) {
    const parts: Buffer[] = [];
    for await (const part of entry) parts.push(part as Buffer);
    const { name, type, mode, linkname } = entry.header;
    entries.push({
      path: name.replace(/\/+$/, ''),
      type: type ?? 'file',
      mode: (mode ?? 0o644) & 0o7777,
      ...(type === 'file' ? { data: Buffer.concat(parts) } : {}),
      ...(linkname ? { linkname } : {}),
    });
  }
  return entries;
}
