/**
 * Result types of pass 1 of pack indexing (pack-indexer.ts), shared with pass 2 (pack-resolve.ts).
 */
import { toHex } from './bytes';
import type { ObjectType } from './object';
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
  /**
   * Budget of pass 1's cache of recent objects (default 32 MiB): an OFS_DELTA whose base is still
   * there is resolved and hashed in pass 1, so pass 2 need not read it back nor inflate it again.
   */
  cacheBytes?: number;
  /**
   * Called with each object pass 1 has whole (full objects inflated in one piece, deltas it
   * resolved); the table marks it reported. The rest (objects streamed in pieces, deltas whose
   * base left the cache) are left to pass 2. Errors thrown here fail the pack.
   */
  onObject?(o: ReportedObject): void;
}

/** An object of a pack as reported while indexing; `id` and `body` are valid during the call. */
export class ReportedObject {
  constructor(
    /** The 20-byte object id (a view). */
    readonly id: Uint8Array,
    readonly type: ObjectType,
    readonly body: Uint8Array,
    /** Pack offset of the entry. */
    readonly offset: number,
  ) {}

  /** The object id in hex. */
  get oid(): string {
    return toHex(this.id);
  }
}
