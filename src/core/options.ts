/**
 * Every option of every command, described once. The CLI (commander flags) and the action
 * (action.yml inputs) are both generated from this table, so the two front doors cannot drift.
 */

import { COMMAND_NAMES, CommandName, OptionSpec } from './option-spec';

const BUILDING: CommandName[] = ['build', 'run'];
const VERIFYING: CommandName[] = ['verify', 'run'];
const PUBLISHING: CommandName[] = ['publish', 'run'];
const BUMPING: CommandName[] = ['pin-bump', 'run'];
/** commands that fetch a bundle through fetch's checked path */
const FETCHING: CommandName[] = ['fetch', 'rebuild-check', 'compare'];
/** the commands that call GitHub */
const CALLING: CommandName[] = [...PUBLISHING, ...BUMPING, ...FETCHING, 'compatibility-status'];

/** Where a consumer repository keeps its pin file (--pin-file's default). */
export const DEFAULT_PIN_PATH = 'pageserver/postgres-bundle.json';

export const OPTION_SPECS = optionTable([
  {
    key: 'pg',
    flag: '--pg <versions>',
    input: 'versions',
    kind: 'string',
    commands: [...BUILDING, ...VERIFYING, 'compare'],
    description:
      'PostgreSQL major versions, comma-separated (14..18); build: default 15, verify: default every vNN/ in the bundle, compare: default every vNN/ in either bundle',
  },
  {
    key: 'source',
    flag: '--source <spec...>',
    input: 'source',
    kind: 'list',
    commands: BUILDING,
    description:
      "source per version, or a template with {v}: 'dir:<path>', 'tarball:<url-or-path>', 'debian:<package>[=<version>]'",
  },
  {
    key: 'sha256',
    flag: '--sha256 <hex...>',
    input: 'sha256',
    kind: 'list',
    commands: BUILDING,
    description: 'sha256 of each tarball source, in the order of --pg',
  },
  {
    key: 'out',
    flag: '--out <dir>',
    input: 'out',
    kind: 'string',
    default: 'out',
    commands: ['build', 'verify', 'publish', 'fetch', 'pin-bump', 'run', 'rebuild-check', 'outdated'],
    description: 'output directory (the bundle is <out>/vNN, the manifest <out>/manifest.json)',
  },
  {
    key: 'cacheDir',
    flag: '--cache-dir <dir>',
    input: 'cache-dir',
    kind: 'string',
    commands: [...BUILDING, 'rebuild-check', 'outdated', 'doctor', 'verify'],
    description:
      "cache for downloaded sources, built ICU and compiled PostgreSQL trees, and the arm64 kernel verify boots an aarch64 bundle's walredo with (default ~/.cache/pg-bundle, or $PG_BUNDLE_CACHE)",
  },
  {
    key: 'module',
    flag: '--module <dir...>',
    input: 'modules',
    kind: 'list',
    commands: BUILDING,
    description: 'extra PGXS module directories to link into postgres (built against the same tree)',
  },
  {
    key: 'icuSource',
    flag: '--icu-source <spec>',
    input: 'icu-source',
    kind: 'string',
    commands: BUILDING,
    description:
      "build ICU from source ('tarball:<path-or-url>' with --icu-sha256, or 'debian:icu[=<version>]') instead of the distribution's static ICU",
  },
  {
    key: 'icuSha256',
    flag: '--icu-sha256 <hex>',
    input: 'icu-sha256',
    kind: 'string',
    commands: BUILDING,
    description: 'sha256 of an ICU tarball given with --icu-source',
  },
  {
    key: 'walredo',
    flag: '--walredo <mode>',
    input: 'walredo',
    kind: 'string',
    commands: BUILDING,
    description:
      "walredo mode: 'builtin' (pg-bundle's module; default for upstream trees), 'fork' (the tree's own; default when it has one) or 'none'",
  },
  {
    key: 'walredoPreload',
    flag: '--walredo-preload <modules>',
    input: 'walredo-preload',
    kind: 'string',
    commands: BUILDING,
    description:
      "linked-in modules walredo loads at start as shared_preload_libraries would (e.g. one that registers a custom resource manager), comma-separated: the builtin walredo loads them; in fork mode it names the ones the fork's walredo loads itself. verify preloads them in its corpus server too. Static linkage only",
  },
  {
    key: 'linkage',
    flag: '--linkage <linkage>',
    input: 'linkage',
    kind: 'string',
    default: 'static',
    commands: BUILDING,
    description:
      "'static' (the bundle) or 'dynamic' (a conventional pg_install-style build of the same source, for comparison: bin/ dynamically linked, lib/libpq.so*, real lib/postgresql/*.so)",
  },
  {
    key: 'locales',
    flag: '--locales <names>',
    input: 'locales',
    kind: 'string',
    default: 'C.UTF-8',
    commands: BUILDING,
    description: 'compiled glibc locales carried in the bundle, comma-separated',
  },
  {
    key: 'keepDebug',
    flag: '--keep-debug',
    input: 'keep-debug',
    kind: 'boolean',
    default: false,
    commands: BUILDING,
    description:
      'compile with -g (a compiled tree of its own) and keep separate debug info in <out>/debug/vNN',
  },
  {
    key: 'installDeps',
    flag: '--install-deps',
    input: 'install-deps',
    kind: 'boolean',
    default: false,
    commands: [...BUILDING, 'doctor'],
    description: 'install missing build dependencies with apt-get',
  },
  {
    key: 'arch',
    flag: '--arch <arch>',
    input: 'arch',
    kind: 'string',
    commands: [...BUILDING, 'doctor', 'fetch'],
    description:
      "target architecture: x86_64 or aarch64 (default: the machine's); build: cross-builds on another machine with Debian's cross toolchain; doctor: what building for it here needs; fetch: which of the pin's assets to fetch",
  },
  {
    key: 'printPackages',
    flag: '--print-packages',
    input: 'print-packages',
    kind: 'boolean',
    default: false,
    commands: ['doctor'],
    description: 'only print the Debian packages build and verify need (output packages), checking nothing',
  },
  {
    key: 'jobs',
    flag: '--jobs <n>',
    input: 'jobs',
    kind: 'string',
    commands: [...BUILDING, 'rebuild-check'],
    description: 'parallel make jobs (default: number of CPUs)',
  },
  {
    key: 'report',
    flag: '--report <file>',
    input: 'report',
    kind: 'string',
    commands: [...VERIFYING, 'compare'],
    description:
      'write the JSON report here (verify: the conformance report, default <out>/conformance.json; compare: default compare.json)',
  },
  {
    key: 'allowUnisolated',
    flag: '--allow-unisolated',
    input: 'allow-unisolated',
    kind: 'boolean',
    default: false,
    commands: [...VERIFYING, 'compare', 'pin-bump'],
    description:
      'run the empty-root checks (compare and pin-bump: the clusters of the compare) without isolation when neither bwrap nor unshare works',
  },
  {
    key: 'skipWalredo',
    flag: '--skip-walredo',
    input: 'skip-walredo',
    kind: 'boolean',
    default: false,
    commands: VERIFYING,
    description: 'skip the walredo stage (recorded in the manifest)',
  },
  {
    key: 'wal',
    flag: '--wal <dir>',
    input: 'wal',
    kind: 'string',
    commands: VERIFYING,
    description:
      "a WAL sample (segment files or a pg_wal directory, any start LSN): its dialect is named, a builtin walredo is refused for the fork's dialect, and walredo replays the sample instead of the generated corpus (run: the result goes into pin-bump's Risk section)",
  },
  {
    key: 'crossCheck',
    flag: '--cross-check <dir>',
    input: 'cross-check',
    kind: 'string',
    commands: ['verify'],
    description:
      "a bundle of the same majors built for another architecture (e.g. the x86-64 build beside an aarch64 one): initdb's cluster must be identical to it (masked as the determinism check masks), and walredo's answers to the corpus page for page",
  },
  {
    key: 'repository',
    flag: '--repository <owner/name>',
    input: 'repository',
    kind: 'string',
    commands: [...PUBLISHING, 'pin-bump', 'rebuild-check'],
    description:
      'release repository (publish; default $GITHUB_REPOSITORY); for pin-bump alone also accepted as the consumer repository; rebuild-check: the repository of the release to check (with --tag)',
  },
  {
    key: 'consumerRepository',
    flag: '--consumer-repository <owner/name>',
    input: 'consumer-repository',
    kind: 'string',
    commands: [...BUMPING, 'compatibility-status'],
    description:
      'consumer (storage) repository whose pin file pin-bump moves (compatibility-status: the repository of the pull request, default $GITHUB_REPOSITORY)',
  },
  {
    key: 'tag',
    flag: '--tag <tag>',
    input: 'tag',
    kind: 'string',
    commands: [...PUBLISHING, ...BUMPING, 'rebuild-check'],
    description:
      'release tag (default bundle-<PostgreSQL versions>-<7 hex of the content digest of the files>: the same files give the same release, other files a new one); rebuild-check: the release to check (with --repository)',
  },
  {
    key: 'replace',
    flag: '--replace',
    input: 'replace',
    kind: 'boolean',
    default: false,
    commands: PUBLISHING,
    description: 'replace the assets of an existing release whose assets differ',
  },
  {
    key: 'targetCommitish',
    flag: '--target-commitish <sha>',
    input: 'target-commitish',
    kind: 'string',
    commands: PUBLISHING,
    description:
      'commit the release tag is created at: the built commit (default $GITHUB_SHA when publishing to $GITHUB_REPOSITORY, else the default branch)',
  },
  {
    key: 'makeLatest',
    flag: '--make-latest <choice>',
    input: 'make-latest',
    kind: 'string',
    default: 'true',
    commands: PUBLISHING,
    description:
      "whether the release becomes the repository's latest release: 'true', 'false' or 'legacy' (latest by creation date and semantic version)",
  },
  {
    key: 'pinFile',
    flag: '--pin-file <path>',
    input: 'pin-file',
    kind: 'string',
    default: DEFAULT_PIN_PATH,
    commands: [...BUMPING, 'fetch'],
    description: 'pin file path in the consumer repository (fetch: a local pin file)',
  },
  {
    key: 'storageTeam',
    flag: '--storage-team <@org/team>',
    input: 'storage-team',
    kind: 'string',
    commands: BUMPING,
    description: 'team that must own the pin file in CODEOWNERS',
  },
  {
    key: 'labels',
    flag: '--labels <names>',
    input: 'labels',
    kind: 'string',
    default: 'pg-bundle',
    commands: BUMPING,
    description: 'labels for the pin-bump pull request, comma-separated',
  },
  {
    key: 'allowUnrouted',
    flag: '--allow-unrouted',
    input: 'allow-unrouted',
    kind: 'boolean',
    default: false,
    commands: BUMPING,
    description: 'only warn when CODEOWNERS does not route the pin file to the storage team',
  },
  {
    key: 'allowOlder',
    flag: '--allow-older',
    input: 'allow-older',
    kind: 'boolean',
    default: false,
    commands: BUMPING,
    description:
      'allow replacing the pin (on the default branch or in the open bump pull request) with an older release',
  },
  {
    key: 'token',
    flag: '--token <token>',
    input: 'token',
    kind: 'string',
    commands: CALLING,
    secret: true,
    description:
      'GitHub token (default $GITHUB_TOKEN); publish needs contents: write, pin-bump contents, pull-requests and statuses: write on the consumer repo, compatibility-status pull-requests: read and statuses: write',
  },
  {
    key: 'apiUrl',
    flag: '--api-url <url>',
    input: 'api-url',
    kind: 'string',
    commands: CALLING,
    description: 'GitHub API URL (default $GITHUB_API_URL or https://api.github.com)',
  },
  {
    key: 'timeout',
    flag: '--timeout <seconds>',
    input: 'timeout',
    kind: 'string',
    default: '60',
    commands: FETCHING,
    description:
      'seconds fetch waits for an answer from GitHub or a download host, and for the next data of a download, before it gives up (a whole download: at most 30 minutes)',
  },
  {
    key: 'dryRun',
    flag: '--dry-run',
    input: 'dry-run',
    kind: 'boolean',
    default: false,
    commands: [...PUBLISHING, ...BUMPING],
    description: 'write what would be published / the would-be pull request under <out>, call nothing remote',
  },
  {
    key: 'pullRequest',
    flag: '--pull-request <number>',
    input: 'pull-request',
    kind: 'string',
    commands: ['compatibility-status'],
    description:
      "the pin-bump pull request whose pg-bundle/compatibility status to set again (default: the pull_request event's)",
  },
  {
    key: 'verbose',
    flag: '--verbose',
    input: 'verbose',
    kind: 'boolean',
    default: false,
    commands: [...COMMAND_NAMES],
    description: 'print debug output',
  },
]);

/** The table as written, with each key kept as its literal type. */
function optionTable<const K extends string>(
  specs: (OptionSpec & { key: K })[],
): (OptionSpec & { key: K })[] {
  return specs;
}

/** An option's key: a misspelt key does not compile. */
export type OptionKey = (typeof OPTION_SPECS)[number]['key'];

/** One row of the table, its key typed. */
export type KeyedOptionSpec = OptionSpec & { key: OptionKey };

export function optionsFor(command: CommandName): KeyedOptionSpec[] {
  return OPTION_SPECS.filter((o) => o.commands.includes(command));
}

/** Option values by key, as a front door parsed them. */
export type RawOptions = Partial<Record<OptionKey, string | boolean | string[]>>;
