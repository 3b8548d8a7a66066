/**
 * Exact repacking: rewrites a repository's packs so that one pack holds exactly the objects
 * reachable from its refs, each once, and the objects nothing reaches go to a cruft pack that is
 * kept (readable by id, never cloned) until its grace has passed. What lets a clone stream the
 * stored packs and still send exactly what was asked for after deletions, force-pushes and
 * objects pushed twice. Entries are copied as stored (entry-copy.ts); only the unreachable
 * objects are resolved and deflated again, into the cruft pack.
 */
import { writeIdxV2 } from '../../../common/git/idx';
import { toHex } from '../../../common/git/bytes';
import { PackError } from '../../../common/git/errors';
import { PackWriter } from '../../../common/git/pack-writer';
import { copyInStoredOrder, EntryCopier, entryCrc } from './entry-copy';
import type { ObjectStore } from './object-store';
import { idxKeyOf, packKey } from './pack-keys';
import { createPartWriter } from './part-writer';
import type { RepoObjects, StoredPack } from './repo-objects';

export interface RepackPack extends StoredPack {
  checksum: string;
}

export interface RepackResult {
  /** The pack of every reachable object (undefined when nothing is reachable). */
  main?: RepackPack;
  /** The objects of live packs that nothing reaches (undefined when none, or no grace). */
  cruft?: RepackPack;
  /** The live packs the result replaces, and the cruft packs merged into its cruft pack. */
  replaced: string[];
  /** Cruft packs past their grace that the result drops (only safe if no ref moved meanwhile). */
  expired: string[];
}

export interface RepackInput {
  repoId: string;
  /** The whole catalog (cruft packs included). */
  packs: StoredPack[];
  /** The catalog's objects, opened over every pack in `packs`. */
  objects: RepoObjects;
  /** Every object reachable from the refs. */
  reachable: ReadonlySet<string>;
  /** Unreachable objects of the live packs (found by listing their indexes). */
  unreachable: ReadonlySet<string>;
  /** Cruft packs whose grace has passed: their unreachable objects are dropped. */
  expiredCruft: ReadonlySet<string>;
  /**
   * Unexpired cruft packs whose objects go into the new cruft pack (listed in `unreachable` by
   * the caller) and which it replaces, so cruft packs do not pile up one per repack.
   */
  mergedCruft?: ReadonlySet<string>;
  /** Keep unreachable objects in a cruft pack (false: drop them now). */
  keepCruft: boolean;
}

/** Writes one pack of `oids` to the object store, copying entries where it can. */
async function writePack(
  store: ObjectStore,
  repoId: string,
  objects: RepoObjects,
  oids: ReadonlySet<string>,
): Promise<RepackPack> {
  const key = packKey(repoId, crypto.randomUUID());
  const writer = new PackWriter(oids.size);
  const parts = createPartWriter(store, key);
  const idx: Array<{ oid: string; offset: number; crc32: number }> = [];
  try {
    await parts.write(writer.header());
    const copier = new EntryCopier(
      writer,
      async (entry, oid, offset) => {
        idx.push({ oid, offset, crc32: entryCrc(entry) });
        await parts.write(entry);
      },
      (oid) => objects.mustRead(oid),
    );
    for (const oid of oids) {
      if (!objects.has(oid)) throw new PackError(`repack: object ${oid} is not stored`);
    }
    await copyInStoredOrder(copier, objects, oids);
    const trailer = writer.trailer();
    await parts.write(trailer);
    await parts.finish();
    await store.put(idxKeyOf(key), writeIdxV2(idx, trailer));
    return { key, size: writer.offset, objectCount: oids.size, checksum: toHex(trailer) };
  } catch (err) {
    await parts.abort();
    await store.delete([idxKeyOf(key)]).catch(() => undefined);
    throw err;
  }
}

/** Writes the main and cruft packs; nothing in the catalog changes here (RepoObject swaps). */
export async function repack(store: ObjectStore, input: RepackInput): Promise<RepackResult> {
  const result: RepackResult = {
    replaced: input.packs
      .filter((p) => !p.cruft || input.mergedCruft?.has(p.key))
      .map((p) => p.key),
    expired: input.packs.filter((p) => p.cruft && input.expiredCruft.has(p.key)).map((p) => p.key),
  };
  try {
    if (input.reachable.size > 0) {
      result.main = await writePack(store, input.repoId, input.objects, input.reachable);
    }
    if (input.keepCruft && input.unreachable.size > 0) {
      const cruft = await writePack(store, input.repoId, input.objects, input.unreachable);
      result.cruft = { ...cruft, cruft: true };
    }
    return result;
  } catch (err) {
    if (result.main) {
      await store.delete([result.main.key, idxKeyOf(result.main.key)]).catch(() => undefined);
    }
    throw err;
  }
}
