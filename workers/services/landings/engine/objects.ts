/**
 * What the landing engine reads and what it makes: objects come in through the browse code's
 * small `ObjectReader` (RepoObjects in the Worker, a Map in tests) and every object the engine
 * creates (merged blobs and trees, rebased commits) is kept in a `NewObjects` overlay, which
 * later steps read through and the caller writes out as one pack. Nothing here does I/O itself.
 */
import {
  hashObject,
  parseCommit,
  parseTree,
  serializeTree,
  sortTreeEntries,
} from '../../../../common/git/object';
import type { ObjectType, TreeEntry } from '../../../../common/git/object';
import type { ObjectReader } from '../../browse/objects';

export type { ObjectReader };

/** An object the engine created, with its id. */
export interface NewObject {
  oid: string;
  type: ObjectType;
  body: Uint8Array;
}

/**
 * The objects made by one engine run, read through before the underlying reader (so a rebase of
 * the second commit sees the trees made for the first). Insertion order is kept: blobs and trees
 * before the commits that name them.
 */
export class NewObjects implements ObjectReader {
  private readonly made = new Map<string, NewObject>();

  constructor(private readonly base: ObjectReader) {}

  /** Reads a new object, else one from the underlying reader. */
  async read(oid: string): Promise<{ type: ObjectType; body: Uint8Array } | undefined> {
    return this.made.get(oid) ?? this.base.read(oid);
  }

  async size(oid: string): Promise<number | undefined> {
    const hit = this.made.get(oid);
    if (hit) return hit.body.length;
    return this.base.size ? this.base.size(oid) : (await this.base.read(oid))?.body.length;
  }

  /** Hashes and keeps an object; returns its id. */
  add(type: ObjectType, body: Uint8Array): string {
    const oid = hashObject(type, body);
    if (!this.made.has(oid)) this.made.set(oid, { oid, type, body });
    return oid;
  }

  /** Writes a tree from unsorted entries (git's order is applied here). */
  addTree(entries: readonly TreeEntry[]): string {
    return this.add('tree', serializeTree(sortTreeEntries(entries)));
  }

  /** The objects made, in the order they were made. */
  list(): NewObject[] {
    return [...this.made.values()];
  }

  /** Only the objects reachable from `roots` among the new ones (drops intermediate trees). */
  reachable(roots: readonly string[]): NewObject[] {
    const keep = new Set<string>();
    const visit = (oid: string): void => {
      const o = this.made.get(oid);
      if (!o || keep.has(oid)) return;
      keep.add(oid);
      if (o.type === 'commit') {
        const c = parseCommit(o.body);
        visit(c.tree);
        for (const p of c.parents) visit(p);
      } else if (o.type === 'tree') {
        for (const e of parseTree(o.body)) visit(e.oid);
      }
    };
    for (const r of roots) visit(r);
    return this.list().filter((o) => keep.has(o.oid));
  }
}
