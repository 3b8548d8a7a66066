/**
 * Copies pack entries from stored packs into a pack being written, as git's pack reuse does:
 * a whole object's entry is copied byte for byte; a delta keeps its zlib data and gets a new
 * OFS_DELTA header pointing at wherever its base already sits in the output; a delta whose base
 * is not (yet) in the output is resolved and written whole. Used by exact repacking and by
 * fetches that cannot send the stored packs as they are. Hand-written: no library reuses pack
 * entries over ranged object-store reads in the Workers runtime.
 */
import { concatBytes } from '../../../common/git/bytes';
import { PackError } from '../../../common/git/errors';
import { crc32 } from '../../../common/git/native';
import {
  encodeEntryHeader,
  encodeOfsDistance,
  parseEntryHeader,
} from '../../../common/git/pack-format';
import type { PackWriter } from '../../../common/git/pack-writer';
import type { RangeReader } from './range-reader';
import type { GitObject } from './repo-objects';

/** Where an object's entry sits in a stored pack: `[offset, end)`. */
export interface EntryLocation {
  key: string;
  reader: RangeReader;
  offset: number;
  end: number;
}

export class EntryCopier {
  /** Output offset of each object written, by oid and by its source entry. */
  private readonly byOid = new Map<string, number>();
  private readonly bySource = new Map<string, number>();

  constructor(
    private readonly writer: PackWriter,
    /** Receives each entry's bytes, in order, with its oid and offset in the output. */
    private readonly emit: (entry: Uint8Array, oid: string, offset: number) => Promise<void>,
    /** Reads an object whole, for entries that cannot be copied. */
    private readonly read: (oid: string) => Promise<GitObject>,
  ) {}

  /** Whether `oid` was written. */
  has(oid: string): boolean {
    return this.byOid.has(oid);
  }

  get written(): number {
    return this.byOid.size;
  }

  /** Writes `oid`, copied from `from` where it can be, else resolved and deflated. */
  async copy(oid: string, from: EntryLocation | undefined): Promise<void> {
    const prior = this.byOid.get(oid);
    if (prior !== undefined) {
      // A second copy of an object already written: deltas on it use the first.
      if (from) this.bySource.set(`${from.key}:${from.offset}`, prior);
      return;
    }
    const offset = this.writer.offset;
    let entry: Uint8Array | undefined;
    if (from) {
      const raw = await from.reader.readRange(from.offset, from.end - from.offset);
      const h = parseEntryHeader(raw, 0, raw.length, from.offset);
      if (!h) throw new PackError(`truncated entry at offset ${from.offset} of ${from.key}`);
      if (h.kind !== 'ofs-delta' && h.kind !== 'ref-delta') entry = raw;
      else {
        const baseAt =
          h.kind === 'ref-delta'
            ? this.byOid.get(h.baseOid ?? '')
            : this.bySource.get(`${from.key}:${h.baseOffset ?? -1}`);
        if (baseAt !== undefined) {
          entry = concatBytes([
            encodeEntryHeader(6, h.size),
            encodeOfsDistance(offset - baseAt),
            raw.subarray(h.headerLength),
          ]);
        }
      }
      this.bySource.set(`${from.key}:${from.offset}`, offset);
    }
    if (entry) this.writer.rawEntry(entry);
    else {
      const obj = await this.read(oid);
      entry = this.writer.entry(obj.type, obj.body);
    }
    this.byOid.set(oid, offset);
    await this.emit(entry, oid, offset);
  }
}

/** CRC-32 of an entry, as an idx records it. */
export function entryCrc(entry: Uint8Array): number {
  return crc32(entry);
}

/** Finds where each object is stored (undefined when it is not); what `copyInStoredOrder` needs. */
export interface EntryLocator {
  locate(oid: string): (EntryLocation & { rank: number }) | undefined;
}

/**
 * Copies `oids` in stored order (by pack, then offset), so that OFS_DELTA bases are met before
 * their deltas and copied as they are. An object no pack holds is read whole through `copier`.
 */
export async function copyInStoredOrder(
  copier: EntryCopier,
  objects: EntryLocator,
  oids: Iterable<string>,
): Promise<void> {
  const located = [...oids].map((oid) => ({ oid, at: objects.locate(oid) }));
  located.sort(
    (a, b) => (a.at?.rank ?? 0) - (b.at?.rank ?? 0) || (a.at?.offset ?? 0) - (b.at?.offset ?? 0),
  );
  for (const l of located) await copier.copy(l.oid, l.at);
}
