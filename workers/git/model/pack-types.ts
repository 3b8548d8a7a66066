/**
 * Result types of pass 1 of pack indexing (pack-indexer.ts), shared with pass 2 (pack-resolve.ts).
 */
import type { EntryKind } from './pack-format';
import type { EntryTable } from './pack-table';

/** One entry of a scanned pack. `size` is the inflated size (of the delta data for deltas). */
export interface ScannedEntry {
  offset: number;
  /** Raw length including the entry header. */
  length: number;
  crc32: number;
  kind: EntryKind;
  size: number;
  /** Object id, for non-delta entries. */
  oid?: string;
  /** Absolute offset of the base, for ofs-delta entries. */
  baseOffset?: number;
  /** Base object id, for ref-delta entries. */
  baseOid?: string;
}

/** The result of pass 1. Entries are in pack order. */
export interface PackScan {
  objectCount: number;
  packChecksum: Uint8Array;
  /** The entries in typed arrays: what pass 2 reads. */
  table: EntryTable;
  /** The same entries as objects, built on first access (tests, diagnostics). */
  readonly entries: ScannedEntry[];
}

/** Limits applied while scanning. */
export interface PackIndexerOptions {
  /** Largest inflated entry (object or delta data) accepted; default unlimited. */
  maxObjectSize?: number;
  /** Largest object count accepted in the pack header; default unlimited. */
  maxObjects?: number;
}
