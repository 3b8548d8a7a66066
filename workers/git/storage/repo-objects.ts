/**
 * Reads git objects of one repository across its packs: loads each pack's idx once per request,
 * finds an object in the newest pack that has it, and reads it through a block-cached range
 * reader. `has` and `read` are what fetch enumeration and the push connectivity check need.
 */
import { PackIndex } from '../../../common/git/idx';
import type { ObjectType } from '../../../common/git/object';
import { readPackedObject } from '../../../common/git/pack-reader';
import type { EntryLocation } from './entry-copy';
import type { ObjectStore } from './object-store';
import { idxKeyOf } from './pack-keys';
import { openRangeReader, type RangeReader } from './range-reader';

export interface StoredPack {
  key: string;
  size: number;
  objectCount: number;
  /** Holds objects no ref reached when it was written (see RepoState.exact). */
  cruft?: boolean;
}

interface OpenPack {
  pack: StoredPack;
  index: PackIndex;
  reader: RangeReader;
  /** Entry offsets ascending, built on first `locate` (an entry ends where the next begins). */
  sorted?: Float64Array;
}

export interface GitObject {
  type: ObjectType;
  body: Uint8Array;
}

export class RepoObjects {
  private constructor(
    private readonly packs: OpenPack[],
    private readonly maxCached: number,
  ) {}

  private readonly cache = new Map<string, GitObject>();
  private cachedBytes = 0;

  /** Loads the idx of every pack (newest last in `packs`; searched newest first). */
  static async open(
    store: ObjectStore,
    packs: StoredPack[],
    opts: { cacheBytes?: number } = {},
  ): Promise<RepoObjects> {
    const open = await Promise.all(
      packs.map(async (pack) => {
        const bytes = await store.get(idxKeyOf(pack.key));
        if (!bytes) throw new Error(`index of ${pack.key} is missing from storage`);
        return {
          pack,
          index: PackIndex.parse(bytes),
          reader: openRangeReader(store, pack.key, pack.size),
        };
      }),
    );
    // Newest first, cruft packs last: an object stored twice is read from a live pack.
    const searched = [
      ...open.reverse().filter((p) => !p.pack.cruft),
      ...open.filter((p) => p.pack.cruft),
    ];
    return new RepoObjects(searched, opts.cacheBytes ?? 16 * 1024 * 1024);
  }

  /** The packs, in the order they are searched. */
  get packList(): StoredPack[] {
    return this.packs.map((p) => p.pack);
  }

  has(oid: string): boolean {
    return this.packs.some((p) => p.index.has(oid));
  }

  /** Every oid in a live (non-cruft) pack (an object stored twice comes twice). */
  *liveOids(): Iterable<string> {
    for (const p of this.packs) if (!p.pack.cruft) yield* p.index.oids();
  }

  /** Every oid in the packs named by `keys`. */
  *oidsIn(keys: ReadonlySet<string>): Iterable<string> {
    for (const p of this.packs) if (keys.has(p.pack.key)) yield* p.index.oids();
  }

  /** Whether a live (non-cruft) pack holds the object whose raw id is `key[at..at+20)`. */
  hasLiveBytes(key: Uint8Array, at = 0): boolean {
    return this.packs.some((p) => !p.pack.cruft && p.index.hasBytes(key, at));
  }

  /**
   * Where the entry of `oid` sits (in the newest pack that has it), for copying it as stored;
   * `rank` orders packs so that copying in (rank, offset) order meets OFS_DELTA bases first.
   */
  locate(oid: string): (EntryLocation & { rank: number }) | undefined {
    for (const [rank, p] of this.packs.entries()) {
      const offset = p.index.lookup(oid);
      if (offset === undefined) continue;
      p.sorted ??= p.index.sortedOffsets();
      const s = p.sorted;
      let lo = 0;
      let hi = s.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((s[mid] as number) <= offset) lo = mid + 1;
        else hi = mid;
      }
      const end = lo < s.length ? (s[lo] as number) : p.pack.size - 20;
      return { key: p.pack.key, reader: p.reader, offset, end, rank };
    }
    return undefined;
  }

  /** Reads an object, or undefined when no pack has it. */
  async read(oid: string): Promise<GitObject | undefined> {
    const hit = this.cache.get(oid);
    if (hit) return hit;
    for (const p of this.packs) {
      const offset = p.index.lookup(oid);
      if (offset === undefined) continue;
      const obj = await readPackedObject(
        { readRange: (o, l) => p.reader.readRange(o, l), readExternal: (b) => this.read(b) },
        offset,
      );
      this.remember(oid, obj);
      return obj;
    }
    return undefined;
  }

  /** Like `read`, but a missing object is an error naming it. */
  async mustRead(oid: string): Promise<GitObject> {
    const obj = await this.read(oid);
    if (!obj) throw new Error(`object ${oid} is missing`);
    return obj;
  }

  private remember(oid: string, obj: GitObject): void {
    // Small objects (commits, trees) are re-read often during walks; cache them within a budget.
    if (obj.body.length > 256 * 1024) return;
    this.cache.set(oid, obj);
    this.cachedBytes += obj.body.length;
    while (this.cachedBytes > this.maxCached) {
      const first = this.cache.keys().next();
      if (first.done) break;
      const old = this.cache.get(first.value);
      this.cache.delete(first.value);
      this.cachedBytes -= old?.body.length ?? 0;
    }
  }
}
