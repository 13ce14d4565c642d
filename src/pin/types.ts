/**
 * The pin file: what the consumer repository commits to say which pg-bundle release it uses
 * (default path pageserver/postgres-bundle.json). Format: schemas/pin-file.schema.json, explained
 * in docs/pin-file.md. Two forms are read: schemaVersion 1 (one platform) and 2 (one bundle per
 * platform); a pin of the first form reads as one with one platform, and pin-bump writes the second.
 * This module: the shapes; read.ts reads a pin, write.ts builds and writes one, schema.ts checks one.
 */
import { Component } from '../core/manifest';
import { PinnedWalRedo, WalRedoRequirement } from './walredo-dialect';

export const PIN_SCHEMA_VERSION = 2;

export type CollationProvider = 'libc' | 'icu' | 'builtin';

export interface PinnedCollation {
  datcollate: string | null;
  datctype: string | null;
  provider: CollationProvider | null;
  icuCollationVersion: string | null;
  libcCollationVersion: string | null;
}

export interface PinnedVersion {
  postgresVersion: string;
  sourceRevision: string;
  catalogVersion: number;
  icuVersion: string | null;
  libcVersion: string;
  collation: PinnedCollation;
  bundleSize: number;
  /** the WAL dialect walredo understands (pins written before it was recorded have none) */
  walredo?: PinnedWalRedo;
  /** the libraries linked into the static binaries, so the next bump can name each change */
  components?: PinnedComponent[];
}

export type PinnedComponent = Pick<Component, 'name' | 'version' | 'debianPackage' | 'debianVersion'>;

/** One platform's bundle of the pinned release. */
export interface PinnedBundle {
  assetName: string;
  assetUrl: string;
  sha256: string;
  /** this platform's manifest (build facts and conformance report) */
  manifestUrl?: string;
  versions: Record<string, PinnedVersion>;
}

/** A pin as written now (schemaVersion 2) and as every pin reads. */
export interface PinFile {
  schemaVersion: number;
  tag: string;
  /** the release's created_at on GitHub: orders pins (older pins have none) */
  releasedAt?: string;
  releaseUrl: string;
  /** one bundle per platform id (linux-x86_64, linux-aarch64), in PLATFORMS order */
  platforms: Record<string, PinnedBundle>;
  /** what the consumer requires of every version (kept across bumps; pin-bump and fetch enforce it) */
  requires?: { walredo?: WalRedoRequirement };
}

/** The first form (schemaVersion 1): one platform, its bundle's fields at the top. */
export interface PinFileV1 extends PinnedBundle {
  schemaVersion: 1;
  tag: string;
  releasedAt?: string;
  platform: string;
  releaseUrl: string;
  requires?: { walredo?: WalRedoRequirement };
}
