import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listBundleFiles } from '../core/bundle-files';
import { emptyManifest, Manifest, VersionManifest, withVersion } from '../core/manifest';
import { manifestJson, readManifestFile } from '../core/manifest-file';
import { ResolveContext } from '../source/context';
import { describeSpec, resolveSource, ResolvedSource } from '../source/resolve';
import { SourceSpec } from '../source/spec';
import { UserError } from '../util/errors';
import { shown } from '../util/log-text';
import { capture, run } from '../util/exec';
import { packageVersion } from '../util/package-root';
import { assembleBundle } from './assemble';
import { buildDynamicVersion } from './dynamic';
import { BuildRequest, Toolchain, WalRedoMode } from './types';
import { BACKEND_WRAPS, FRONTEND_WRAPS, platformCFlags, staticIcuLibs, staticLinkFlags } from './configure';
import { gccMajorVersion, installedDebianPackages, upstreamVersion } from './components';
import { icuFromSource, IcuChoice, systemIcu } from './icu';
import { installLocales } from './locales';
import { buildPgxsModule, PreparedModule, prepareInTreeModules } from './modules';
import { compileRuntime, needsLibpqEncodingForwarders } from './runtime';
import { ensureToolchain } from './toolchain';
import { binTools, buildRequirements, BuildTarget, crossEnv, isCross, nativeTarget } from './cross';
import { Platform } from '../core/platform';
import { builtinWalRedo, BuiltinWalRedoParts, chooseWalRedoMode, parseWalRedoPreload } from './walredo';
import { finishVersion, StartedVersion, startVersion, VersionJob } from './version-job';
import { compiledTreeDir, TREE_MAKE_ARGS } from './compiled-tree';
import { withCacheLock } from './cache-lock';
import { claimOutDir } from './out-dir';

/** The compiler, binutils and glibc a build for `target` uses (a cross build: the cross tools, the target's glibc package). */
export async function toolchainVersions(target: BuildTarget = nativeTarget()): Promise<Toolchain> {
  const first = (s: string) => s.split('\n')[0].trim();
  const tools = binTools(target);
  const glibc = isCross(target)
    ? upstreamVersion(
        await capture('dpkg-query', ['-W', '-f=${Version}', `libc6-dev:${target.platform.debian}`]),
      )
    : (await capture('getconf', ['GNU_LIBC_VERSION'])).replace(/^glibc\s+/, '');
  return {
    compiler: first(await capture(tools.cc, ['--version'])),
    glibc,
    binutils: first(await capture(tools.ld, ['--version'])),
  };
}

/** The build target of a request: its platform on this machine; refuses what a cross build cannot do yet. */
export function buildTarget(
  req: Pick<BuildRequest, 'platform' | 'linkage' | 'icuSource'>,
  host: Platform = nativeTarget().host,
): BuildTarget {
  const target: BuildTarget = { platform: req.platform ?? host, host };
  if (!isCross(target)) return target;
  const arch = `--arch ${target.platform.arch}`;
  if (req.linkage === 'dynamic')
    throw new UserError(
      `${arch}: the dynamic comparison build is built for this machine's architecture only`,
      `drop --linkage dynamic, or run it on a ${target.platform.label} machine`,
    );
  if (req.icuSource)
    throw new UserError(
      `${arch}: --icu-source is not cross-built yet (ICU's cross build needs a native ICU build beside it)`,
      `drop --icu-source to link Debian's ICU for ${target.platform.label} (the same version as x86-64's), or build on a ${target.platform.label} machine`,
    );
  return target;
}

/** An out directory holds one platform's bundle: a build for another is refused (pure; the manifest's text escaped). */
export function refuseOtherPlatform(out: string, manifestPlatform: string, target: BuildTarget): void {
  if (manifestPlatform !== target.platform.id)
    throw new UserError(
      `${out} holds a ${shown(manifestPlatform)} bundle; this build is for ${target.platform.id}`,
      'build each architecture into its own --out directory',
    );
}

/** Source resolution extracts (and after an interrupted extraction deletes) trees in the cache: one build at a time. */
export function resolveSourceLocked(
  spec: SourceSpec,
  major: number,
  ctx: ResolveContext,
): Promise<ResolvedSource> {
  return withCacheLock(join(ctx.cacheDir, 'sources'), ctx.log, () => resolveSource(spec, major, ctx));
}

/** Everything that can be checked before compiling: sources, versions, module directories, modes. */
async function prepare(
  req: BuildRequest,
  ctx: ResolveContext,
): Promise<Map<number, { source: ResolvedSource; walredo: WalRedoMode; walredoPreload: string[] }>> {
  for (const dir of req.modules) {
    if (!existsSync(join(dir, 'Makefile')))
      throw new UserError(`--module ${dir}: no Makefile there`, 'pass the directory of a PGXS module');
  }
  const prepared = new Map<
    number,
    { source: ResolvedSource; walredo: WalRedoMode; walredoPreload: string[] }
  >();
  for (const major of req.versions) {
    const spec = req.sources.get(major);
    if (!spec) throw new UserError(`no source for version ${major}`, 'pass --source');
    const source = await req.log.step(`v${major}: resolve source ${describeSpec(spec)}`, () =>
      resolveSourceLocked(spec, major, ctx),
    );
    req.log.info(
      `v${major}: PostgreSQL ${source.version.full}, revision ${source.revision}, catalog version ${source.catversion}`,
    );
    const walredo = chooseWalRedoMode(req.walredo, source.hasWalRedo);
    const walredoPreload = parseWalRedoPreload(req.walredoPreload, walredo, req.linkage ?? 'static');
    prepared.set(major, { source, walredo, walredoPreload });
  }
  return prepared;
}

export async function buildBundles(req: BuildRequest): Promise<Manifest> {
  const target = buildTarget(req);
  const out = claimOutDir(req.out);
  const ctx: ResolveContext = { cacheDir: resolve(req.cacheDir), log: req.log };
  await req.log.step('check the toolchain', () =>
    ensureToolchain(req.log, req.installDeps, buildRequirements(target)),
  );
  if (isCross(target))
    req.log.info(`cross-building for ${target.platform.label} (${target.platform.triplet})`);
  const prepared = await prepare(req, ctx);
  const icu: IcuChoice = req.icuSource
    ? await icuFromSource(req.icuSource, req.icuSha256, ctx, req.log, req.jobs)
    : await systemIcu(target.platform.debian, crossEnv(target));
  req.log.info(`ICU ${icu.version} from ${icu.origin}`);
  const toolchain = await toolchainVersions(target);
  const gccMajor = await gccMajorVersion(binTools(target).cc);
  const packages = await installedDebianPackages(
    gccMajor,
    target.platform.debian,
    isCross(target) ? target.platform.debian : undefined,
  );
  const manifestPath = join(out, 'manifest.json');
  // the versions built before into this out directory stay (one manifest for the whole bundle)
  let manifest: Manifest = existsSync(manifestPath)
    ? readManifestFile(manifestPath)
    : emptyManifest(packageVersion(), target.platform.id);
  refuseOtherPlatform(req.out, manifest.platform, target);
  for (const major of req.versions) {
    const { source, walredo, walredoPreload } = prepared.get(major)!;
    const job: VersionJob = {
      req,
      out,
      major,
      source,
      walredo,
      walredoPreload,
      icu,
      toolchain,
      packages,
      gccMajor,
      target,
    };
    const treeDir = compiledTreeDir({
      cacheDir: req.cacheDir,
      major,
      source,
      icu,
      toolchain,
      target,
      debug: req.keepDebug,
    });
    const entry = await withCacheLock(treeDir, req.log, () =>
      req.linkage === 'dynamic' ? buildDynamicVersion(job) : buildVersion(job),
    );
    manifest = withVersion(
      { ...manifest, tool: { name: 'pg-bundle', version: packageVersion() } },
      major,
      entry,
    );
    writeFileSync(manifestPath, manifestJson(manifest));
  }
  return manifest;
}

async function buildVersion(job: VersionJob): Promise<VersionManifest> {
  const started = await startVersion(job);
  const { modules, walredoParts } = await linkedInModules(job, started);
  const tools = binTools(job.target);
  const linkLibs = [...new Set(modules.flatMap((m) => m.linkLibs))];
  const binaries = await linkStatic(job, started, modules, walredoParts, linkLibs);
  const { out, req } = job;
  const target = join(out, started.v);
  await req.log.step(`${started.v}: assemble ${target}`, () =>
    assembleBundle({
      stagePrefix: started.tree.stagePrefix,
      target,
      ...binaries,
      modules: modules.map((m) => m.name),
      debugDir: req.keepDebug ? join(out, 'debug', started.v) : undefined,
      tools,
    }),
  );
  const locales = await installLocales(req.locales, join(target, 'lib', 'locale'));
  const files = await listBundleFiles(out, started.v);
  return finishVersion(job, started, {
    linkage: 'static',
    locales,
    modules: modules.map((m) => ({
      name: m.name,
      origin: m.origin,
      symbols: m.symbols.length,
      ...(m.siblings ? { siblings: m.siblings } : {}),
    })),
    files,
    linkLibs,
  });
}

/** In-tree modules, --module directories and pg-bundle's walredo, checked: no name twice, every preload among them. */
async function linkedInModules(
  job: VersionJob,
  started: StartedVersion,
): Promise<{ modules: PreparedModule[]; walredoParts?: BuiltinWalRedoParts }> {
  const { req, walredo, walredoPreload } = job;
  const { v, work } = started;
  const { buildDir, pgConfig } = started.tree;
  const log = req.log;
  const tools = binTools(job.target);
  const modules: PreparedModule[] = await log.step(`${v}: prepare linked-in modules`, async () => {
    const list = await prepareInTreeModules(buildDir, join(work, 'link'), tools);
    for (const dir of req.modules)
      list.push(
        ...(await buildPgxsModule(dir, `module:${dir}`, pgConfig, join(work, 'link'), log, req.jobs, tools)),
      );
    return list;
  });
  const walredoParts =
    walredo === 'builtin'
      ? await builtinWalRedo(pgConfig, join(work, 'link'), log, req.jobs, tools)
      : undefined;
  if (walredoParts) modules.push(...walredoParts.modules);
  const names = modules.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UserError(`module '${dup}' is linked in twice`, 'remove the duplicate --module');
  log.info(`${v}: linking in modules ${names.join(', ')}`);
  const missing = walredoPreload.filter((p) => !names.includes(p));
  if (missing.length)
    throw new UserError(
      `--walredo-preload ${missing.join(', ')}: not among the linked-in modules (${names.join(', ')})`,
      'pass the module directory with --module; the name is the library the module builds',
    );
  if (walredoPreload.length) log.info(`${v}: walredo preloads ${walredoPreload.join(', ')}`);
  return { modules, walredoParts };
}

/** postgres and initdb relinked static with the modules, the runtime and the wraps; moved out of the tree. */
async function linkStatic(
  job: VersionJob,
  started: StartedVersion,
  modules: PreparedModule[],
  walredoParts: BuiltinWalRedoParts | undefined,
  linkLibs: string[],
): Promise<{ postgres: string; initdb: string }> {
  const { v, work, logs } = started;
  const pgWchar = join(job.source.dir, 'src/include/mb/pg_wchar.h');
  const runtime = await compileRuntime(modules, join(work, 'link'), {
    cc: binTools(job.target).cc,
    cflags: platformCFlags(job.target.platform),
    // the builtin walredo loads them from the module table; a fork's walredo loads its own
    walredoPreload: job.walredo === 'builtin' ? job.walredoPreload : [],
    libpqEncodingForwarders:
      existsSync(pgWchar) && needsLibpqEncodingForwarders(readFileSync(pgWchar, 'utf8')),
  });
  const icuLibs = staticIcuLibs(job.icu.prefix);
  const backendFlags = staticLinkFlags(
    [...modules.map((m) => m.object), ...runtime.backend, ...(walredoParts?.objects ?? []), ...linkLibs],
    [...BACKEND_WRAPS, ...(walredoParts?.wraps ?? [])],
  );
  const relink = async (binary: string, dir: string, flags: string, dest: string) =>
    job.req.log.step(`${v}: link static ${binary}`, async () => {
      const { buildDir, env } = started.tree;
      rmSync(join(buildDir, dir, binary), { force: true });
      await run(
        'make',
        ['-C', dir, ...TREE_MAKE_ARGS, binary, `LDFLAGS_EX=${flags}`, `ICU_LIBS=${icuLibs}`],
        {
          cwd: buildDir,
          env,
          logFile: join(logs, `link-${binary}.log`),
        },
      );
      // moved out of the (cached) tree, so that a later make there relinks the ordinary binary
      renameSync(join(buildDir, dir, binary), dest);
      return dest;
    });
  return {
    postgres: await relink('postgres', 'src/backend', backendFlags, join(work, 'postgres.static')),
    initdb: await relink(
      'initdb',
      'src/bin/initdb',
      staticLinkFlags(runtime.frontend, FRONTEND_WRAPS),
      join(work, 'initdb.static'),
    ),
  };
}
