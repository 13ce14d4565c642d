import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckResult } from '../../core/manifest';
import { initdbArgv, singleUserArgv } from '../invocation';
import { ControlFileError, parsePgControl } from '../pg-control';
import { describeEnd, firstLines, succeeded } from '../process';
import { collationFacts, localeProblems, parseSingleUserOutput, singleUserInput } from '../single-user';
import { fail, pass, skip, VersionContext, versionManifest } from './context';

export const EMPTY_ROOT_INITDB = 'empty-root-initdb';
export const PG_VERSION_FILE = 'pg-version-file';
export const PG_CONTROL = 'pg-control';
export const SINGLE_USER_QUERY = 'single-user-query';

export function needsCluster(ctx: VersionContext, name: string): CheckResult | undefined {
  return ctx.emptyRootData
    ? undefined
    : skip(name, `not run: ${EMPTY_ROOT_INITDB} did not produce a cluster`);
}

/** initdb in the empty root, exactly as the storage service calls it. */
export async function checkEmptyRootInitdb(ctx: VersionContext): Promise<CheckResult> {
  const sb = ctx.sandbox;
  if (!sb)
    return fail(
      EMPTY_ROOT_INITDB,
      `no way to run ${ctx.dir}/bin/initdb in an empty root: ${ctx.isolationProblem ?? 'no isolation method'}`,
    );
  const initdb = `${sb.bundlePath}/${ctx.dir}/bin/initdb`;
  const argv = initdbArgv(initdb, ctx.major, `${sb.inoutPath}/data`);
  const o = await sb.run(argv);
  const how =
    sb.method === 'unisolated'
      ? 'UNISOLATED on the host (--allow-unisolated)'
      : `in an empty root (${sb.method})`;
  if (!succeeded(o)) {
    const stderr = firstLines(o.stderr + (o.stderr ? '' : o.stdout), 6);
    return fail(
      EMPTY_ROOT_INITDB,
      `${ctx.dir}/bin/initdb ${describeEnd(o)} ${how}: ${argv.slice(1).join(' ')}\n${stderr}`,
    );
  }
  ctx.emptyRootData = join(sb.inoutDir, 'data');
  return pass(EMPTY_ROOT_INITDB, `${ctx.dir}/bin/initdb ${argv.slice(1).join(' ')} succeeded ${how}`);
}

export function checkPgVersionFile(ctx: VersionContext): CheckResult {
  const skipped = needsCluster(ctx, PG_VERSION_FILE);
  if (skipped) return skipped;
  const file = join(ctx.emptyRootData!, 'PG_VERSION');
  if (!existsSync(file)) return fail(PG_VERSION_FILE, `${ctx.dir}: initdb wrote no PG_VERSION`);
  const text = readFileSync(file, 'utf8');
  if (text !== `${ctx.major}\n`)
    return fail(
      PG_VERSION_FILE,
      `PG_VERSION says ${JSON.stringify(text)}, expected "${ctx.major}\\n" for ${ctx.dir}`,
    );
  const manifestMajor = versionManifest(ctx)?.postgres.major;
  if (manifestMajor !== undefined && manifestMajor !== ctx.major)
    return fail(PG_VERSION_FILE, `manifest says postgres.major ${manifestMajor} for ${ctx.dir}`);
  return pass(PG_VERSION_FILE, `PG_VERSION is ${ctx.major}`);
}

export function checkPgControl(ctx: VersionContext): CheckResult {
  const skipped = needsCluster(ctx, PG_CONTROL);
  if (skipped) return skipped;
  let facts;
  try {
    facts = parsePgControl(readFileSync(join(ctx.emptyRootData!, 'global/pg_control')), ctx.major);
  } catch (err) {
    const why = err instanceof ControlFileError ? err.message : `cannot read: ${(err as Error).message}`;
    return fail(PG_CONTROL, `global/pg_control: ${why}`);
  }
  ctx.facts.catalogVersion = facts.catalogVersion;
  ctx.facts.systemIdentifier = facts.systemIdentifier;
  ctx.facts.dataChecksumVersion = facts.dataChecksumVersion;
  const problems: string[] = [];
  if (!facts.crcOk)
    problems.push(
      `CRC-32C is ${facts.crcComputed.toString(16)}, the file says ${facts.crcStored.toString(16)}`,
    );
  if (facts.state !== 'shut down') problems.push(`cluster state is "${facts.state}", expected "shut down"`);
  const expected = versionManifest(ctx)?.postgres.catversion;
  if (expected !== undefined && expected !== facts.catalogVersion)
    problems.push(
      `catalog version is ${facts.catalogVersion}, the manifest (catversion.h of the source) says ${expected}`,
    );
  if (problems.length > 0) return fail(PG_CONTROL, `global/pg_control: ${problems.join('; ')}`);
  const against = expected !== undefined ? ' (matches the manifest)' : ' (no manifest entry to compare with)';
  return pass(
    PG_CONTROL,
    `pg_control_version ${facts.controlVersion}, catalog version ${facts.catalogVersion}${against}, system identifier ${facts.systemIdentifier}, data checksums ${facts.dataChecksumVersion === 0 ? 'off' : `version ${facts.dataChecksumVersion}`}, CRC ok`,
  );
}

/** Starts the cluster with the bundle's own postgres in single-user mode and asks for its collation facts. */
export async function checkSingleUserQuery(ctx: VersionContext): Promise<CheckResult> {
  const skipped = needsCluster(ctx, SINGLE_USER_QUERY);
  if (skipped) return skipped;
  const sb = ctx.sandbox!;
  const argv = singleUserArgv(`${sb.bundlePath}/${ctx.dir}/bin/postgres`, `${sb.inoutPath}/data`);
  const o = await sb.run(argv, singleUserInput(ctx.major));
  const values = parseSingleUserOutput(o.stdout);
  const errors = o.stderr.split('\n').filter((l) => /\b(ERROR|FATAL|PANIC):/.test(l));
  if (!succeeded(o) || errors.length > 0) {
    return fail(
      SINGLE_USER_QUERY,
      `${ctx.dir}/bin/postgres --single ${describeEnd(o)}${errors.length ? ' with errors' : ''}\n${firstLines(errors.join('\n') || o.stderr, 6)}`,
    );
  }
  const collation = collationFacts(values);
  ctx.facts.collation = collation;
  const problems = localeProblems(ctx.major, values);
  const summary = Object.entries(collation)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (problems.length > 0) return fail(SINGLE_USER_QUERY, `${problems.join('; ')} (reported: ${summary})`);
  return pass(SINGLE_USER_QUERY, `${ctx.dir}/bin/postgres --single reports ${summary}`);
}
