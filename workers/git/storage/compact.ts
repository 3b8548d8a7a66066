/**
 * Pack compaction: many small pushes leave many small packs, and every fetch then consults every
 * idx. Packs are merged by concatenating their entries verbatim (OFS_DELTA distances stay valid
 * inside each pack's run of entries) under a new header and trailer, and the idx is rebuilt from
 * the old ones with shifted offsets — no inflating, no re-hashing of objects, bounded memory.
 * The catalog swap happens in RepoObject and only if none of the merged packs changed meanwhile;
 * the replaced packs are retired there and deleted after a grace period, not at once, because a
 * fetch that read the old catalog may still be reading them (durable-objects/repo/retired-packs.ts).
 */
import { Sha1 } from '../../../common/git/native';
import { PackIndex } from '../../../common/git/idx';
import { toHex, writeU32 } from '../../../common/git/bytes';
import { writeIdxV2 } from '../../../common/git/idx';
import type { ObjectStore } from './object-store';
import { idxKeyOf, packKey } from './pack-keys';
import { createPartWriter } from './part-writer';

export interface CatalogPack {
  key: string;
  size: number;
  objectCount: number;
  checksum: string;
}

/** Which packs to merge, or undefined when the catalog is fine as it is. */
export function choosePacksToMerge(packs: CatalogPack[], maxPacks = 8): CatalogPack[] | undefined {
  if (packs.length < maxPacks) return undefined;
  const largest = packs.reduce((a, b) => (b.size > a.size ? b : a));
  const rest = packs.filter((p) => p !== largest);
  const restSize = rest.reduce((n, p) => n + p.size, 0);
  // Geometric: leave the big pack alone until the small ones add up to half of it.
  return restSize * 2 < largest.size ? rest : packs;
}

/** Writes the merged pack and its idx; returns the new catalog record. */
export async function mergePacks(
  store: ObjectStore,
  repoId: string,
  packs: CatalogPack[],
): Promise<CatalogPack> {
  const key = packKey(repoId, crypto.randomUUID());
  const writer = createPartWriter(store, key);
  const hash = Sha1.create();
  const count = packs.reduce((n, p) => n + p.objectCount, 0);
  const header = new Uint8Array(12);
  header.set([0x50, 0x41, 0x43, 0x4b]);
  writeU32(header, 4, 2);
  writeU32(header, 8, count);
  const entries = new Map<string, { oid: string; offset: number; crc32: number }>();
  try {
    hash.update(header);
    await writer.write(header);
    let pos = 12;
    for (const p of packs) {
      const idxBytes = await store.get(idxKeyOf(p.key));
      if (!idxBytes) throw new Error(`index of ${p.key} is missing`);
      const idx = PackIndex.parse(idxBytes);
      const shift = pos - 12;
      for (const e of idx.entries()) {
        if (!entries.has(e.oid))
          entries.set(e.oid, { oid: e.oid, offset: e.offset + shift, crc32: e.crc32 });
      }
      const stream = await store.getStream(p.key);
      if (!stream) throw new Error(`pack ${p.key} is missing`);
      let at = 0;
      const end = p.size - 20;
      for await (const chunk of stream) {
        const from = Math.max(0, 12 - at);
        const to = Math.min(chunk.length, end - at);
        if (to > from) {
          const part = chunk.slice(from, to);
          hash.update(part);
          await writer.write(part);
        }
        at += chunk.length;
      }
      pos += p.size - 32;
    }
    const trailer = hash.digest();
    await writer.write(trailer);
    await writer.finish();
    await store.put(idxKeyOf(key), writeIdxV2([...entries.values()], trailer));
    return { key, size: pos + 20, objectCount: count, checksum: toHex(trailer) };
  } catch (err) {
    await writer.abort();
    await store.delete([idxKeyOf(key)]).catch(() => undefined);
    throw err;
  }
}
