/**
 * The release record: what publish writes to <out>/publish/release.json about the release it made
 * (tag, repository, each platform's asset, sha256 and URLs) and pin-bump reads back. Format:
 * schemas/release-record.schema.json; one writer and one checked reader, both here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorObject } from 'ajv/dist/2020';
import { LEGACY_PLATFORM_ID } from '../core/platform';
import { UserError } from '../util/errors';
import { parseJson } from '../util/json';
import { schemaValidator } from '../util/json-schema';
import { MANIFEST_ASSET } from './naming';

/** The record's file name in publish's directory (<out>/publish/). */
export const RELEASE_RECORD = 'release.json';

/** One platform's bundle in the record. */
export interface ReleasePlatformRecord {
  platform: string;
  assetName: string;
  sha256: string;
  /** the name of its manifest asset (manifest.json, or manifest-<platform>.json in a release of several platforms) */
  manifestName: string;
  assetUrl?: string;
  manifestUrl?: string;
}

export interface ReleaseRecord {
  tag: string;
  repository: string | null;
  /** the first platform's bundle (as before releases had several platforms) */
  assetName: string;
  sha256: string;
  /** every platform's bundle, in platform order */
  platforms: ReleasePlatformRecord[];
  assets: { name: string; sha256: string; size: number }[];
  dryRun: boolean;
  state?: 'created' | 'completed' | 'unchanged' | 'updated';
  releaseUrl?: string;
  assetUrl?: string;
  manifestUrl?: string;
  /** the release's created_at: pin-bump records it in the pin to never move a pin backwards */
  releasedAt?: string;
}

/** Writes the record into publish's directory: 2-space JSON, trailing newline. */
export function writeReleaseRecord(dir: string, record: ReleaseRecord): void {
  writeFileSync(join(dir, RELEASE_RECORD), JSON.stringify(record, null, 2) + '\n');
}

const FIX = 'run pg-bundle publish again with the same --out';

const recordValidator = () => schemaValidator('release-record.schema.json');

/** The one line that says what is wrong with a record (the first schema error, in words). */
function recordProblem(errors: ErrorObject[], where: string): string {
  const field = (e: ErrorObject) =>
    e.keyword === 'required' ? `${e.instancePath}/${String(e.params.missingProperty)}` : e.instancePath;
  if (errors.some((e) => ['/tag', '/assetName', '/sha256'].includes(field(e))))
    return `${where} lacks the tag, asset name or sha256`;
  // an unknown field is said as such below, not as a platform that lacks something
  if (errors.some((e) => e.keyword !== 'additionalProperties' && field(e).startsWith('/platforms/')))
    return `${where} lists a platform without its name, asset name, sha256 or manifest name`;
  const e = errors[0];
  const extra = 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : '';
  return `${where} is not a release record of pg-bundle publish: ${e.instancePath || '(top level)'} ${e.message ?? 'is invalid'}${extra}`;
}

/**
 * Reads a record's text (pure), checked against the schema. A record made before releases had several
 * platforms lists none: its one bundle is given `legacyPlatform`.
 */
export function parseReleaseRecord(
  text: string,
  where: string,
  legacyPlatform: string = LEGACY_PLATFORM_ID,
): ReleaseRecord {
  const value = parseJson(text, where, FIX);
  const validate = recordValidator();
  if (!validate(value)) throw new UserError(recordProblem(validate.errors ?? [], where), FIX);
  const record = value as Omit<ReleaseRecord, 'platforms'> & { platforms?: ReleasePlatformRecord[] };
  if (record.platforms) return record as ReleaseRecord;
  const { assetUrl, manifestUrl } = record;
  const platform: ReleasePlatformRecord = {
    platform: legacyPlatform,
    assetName: record.assetName,
    sha256: record.sha256,
    manifestName: MANIFEST_ASSET,
    ...(assetUrl ? { assetUrl } : {}),
    ...(manifestUrl ? { manifestUrl } : {}),
  };
  return { ...record, platforms: [platform] };
}

/** Reads <dir>/release.json (see parseReleaseRecord). */
export function readReleaseRecord(path: string, legacyPlatform?: string): ReleaseRecord {
  return parseReleaseRecord(readFileSync(path, 'utf8'), path, legacyPlatform);
}
