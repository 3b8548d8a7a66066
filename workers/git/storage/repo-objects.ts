/**
 * Reads git objects of one repository across its packs: loads each pack's idx once per request,
 * finds an object in the newest pack that has it, and reads it through a block-cached range
 * reader. `has` and `read` are what fetch enumeration and the push connectivity check need.
 */
import { PackIndex } from '../model/idx';
import type { ObjectType } from '../model/object';
import { readPackedObject } from '../model/pack-reader';
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
    return new RepoObjects(open.reverse(), opts.cacheBytes ?? 16 * 1024 * 1024);
  }

  get packList(): StoredPack[] {
    return this.packs.map((p) => p.pack).reverse();
  }

  has(oid: string): boolean {
    return this.packs.some((p) => p.index.has(oid));
  }

  /** Whether a live (non-cruft) pack holds the object whose raw id is `key[at..at+20)`. */
  hasLiveBytes(key: Uint8Array, at = 0): boolean {
    return this.packs.some((p) => !p.pack.cruft && p.index.hasBytes(key, at));
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
