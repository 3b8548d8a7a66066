/**
 * The entry table of a scanned pack in typed arrays (≈ 51 bytes per entry instead of an object with
 * hex strings), so a push of a million objects fits a Worker's memory (docs/design/git-protocol.md
 * §4.2). Grows by doubling; a header claiming billions of objects costs nothing until they arrive.
 */
import { fromHex, toHex } from './bytes';
import { objectTypeFromCode } from './object';
import type { EntryKind } from './pack-format';
import type { PackScan, ScannedEntry } from './pack-types';

/** Type code of an entry kind (1–4 objects, 6 OFS_DELTA, 7 REF_DELTA). */
export function kindCode(kind: EntryKind): number {
  switch (kind) {
    case 'commit':
      return 1;
    case 'tree':
      return 2;
    case 'blob':
      return 3;
    case 'tag':
      return 4;
    case 'ofs-delta':
      return 6;
    case 'ref-delta':
      return 7;
  }
}

/** Entries of one pack, in pack order. */
export class EntryTable {
  count = 0;
  /** Offset just past the last entry (where the trailer starts). */
  end = 12;
  offsets: Float64Array;
  sizes: Float64Array;
  /** Absolute base offset of OFS_DELTA entries, -1 otherwise. */
  baseOffsets: Float64Array;
  crcs: Uint32Array;
  codes: Uint8Array;
  /**
   * 20 bytes per entry: the object id of full objects and of OFS_DELTA entries resolved in pass
   * 1, the base id of REF_DELTA entries.
   */
  oids: Uint8Array;
  /** Object type code (1–4) of entries whose id is known: full objects, deltas resolved in pass 1. */
  types: Uint8Array;
  /** 1 for entries already reported to the caller in pass 1. */
  reported: Uint8Array;

  constructor(expected = 0) {
    const cap = Math.max(16, Math.min(expected, 4096));
    this.offsets = new Float64Array(cap);
    this.sizes = new Float64Array(cap);
    this.baseOffsets = new Float64Array(cap);
    this.crcs = new Uint32Array(cap);
    this.codes = new Uint8Array(cap);
    this.oids = new Uint8Array(cap * 20);
    this.types = new Uint8Array(cap);
    this.reported = new Uint8Array(cap);
  }

  /** Appends an entry; `oid` is the object id (full objects) or base id (REF_DELTA). */
  add(
    offset: number,
    length: number,
    code: number,
    size: number,
    crc: number,
    oid?: Uint8Array,
    baseOffset = -1,
  ): void {
    if (this.count === this.offsets.length) this.grow();
    const i = this.count++;
    this.offsets[i] = offset;
    this.sizes[i] = size;
    this.baseOffsets[i] = baseOffset;
    this.crcs[i] = crc;
    this.codes[i] = code;
    if (code <= 4) this.types[i] = code;
    if (oid) this.oids.set(oid.subarray(0, 20), i * 20);
    this.end = offset + length;
  }

  private grow(): void {
    const cap = this.offsets.length * 2;
    const f = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.offsets = f(this.offsets);
    this.sizes = f(this.sizes);
    this.baseOffsets = f(this.baseOffsets);
    const crcs = new Uint32Array(cap);
    crcs.set(this.crcs);
    this.crcs = crcs;
    const codes = new Uint8Array(cap);
    codes.set(this.codes);
    this.codes = codes;
    const oids = new Uint8Array(cap * 20);
    oids.set(this.oids);
    this.oids = oids;
    const reported = new Uint8Array(cap);
    reported.set(this.reported);
    this.reported = reported;
    const types = new Uint8Array(cap);
    types.set(this.types);
    this.types = types;
  }

  /** Raw length of entry `i`, header included. */
  length(i: number): number {
    return (i + 1 < this.count ? (this.offsets[i + 1] as number) : this.end) - this.offset(i);
  }

  offset(i: number): number {
    return this.offsets[i] as number;
  }

  size(i: number): number {
    return this.sizes[i] as number;
  }

  code(i: number): number {
    return this.codes[i] as number;
  }

  kind(i: number): EntryKind {
    const c = this.code(i);
    return c === 6 ? 'ofs-delta' : c === 7 ? 'ref-delta' : (objectTypeFromCode(c) as EntryKind);
  }

  /** The 20 oid bytes of entry `i` (a view). */
  oidBytes(i: number): Uint8Array {
    return this.oids.subarray(i * 20, i * 20 + 20);
  }

  /** Index of the entry starting at `offset`, or -1. */
  indexOfOffset(offset: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const o = this.offsets[mid] as number;
      if (o === offset) return mid;
      if (o < offset) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  /** Entry `i` as an object. */
  entry(i: number): ScannedEntry {
    const code = this.code(i);
    const e: ScannedEntry = {
      offset: this.offset(i),
      length: this.length(i),
      crc32: this.crcs[i] as number,
      kind: this.kind(i),
      size: this.size(i),
    };
    if (code === 6) e.baseOffset = this.baseOffsets[i] as number;
    else if (code === 7) e.baseOid = toHex(this.oidBytes(i));
    else e.oid = toHex(this.oidBytes(i));
    return e;
  }

  /** Builds a table from entry objects (tests, or scans made elsewhere). */
  static from(entries: readonly ScannedEntry[]): EntryTable {
    const t = new EntryTable(entries.length);
    for (const e of entries) {
      const id = e.oid ?? e.baseOid;
      t.add(
        e.offset,
        e.length,
        kindCode(e.kind),
        e.size,
        e.crc32,
        id ? fromHex(id) : undefined,
        e.baseOffset ?? -1,
      );
    }
    return t;
  }
}

/** The result of pass 1 over `table`; `entries` are built on first access. */
export function scanOf(objectCount: number, packChecksum: Uint8Array, table: EntryTable): PackScan {
  let entries: ScannedEntry[] | undefined;
  return {
    objectCount,
    packChecksum,
    table,
    get entries() {
      entries ??= Array.from({ length: table.count }, (_, i) => table.entry(i));
      return entries;
    },
  };
}
