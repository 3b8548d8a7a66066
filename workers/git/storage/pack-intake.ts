/**
 * Takes a pushed pack off the wire: streams it to the object store in parts while the pack
 * indexer's first pass runs over the same bytes, then resolves deltas by reading the stored pack
 * back in blocks and writes the .idx. Memory is bounded by one part plus the indexer's tables
 * and delta cache, whatever the pack's size. Nothing is published here: the pack becomes visible
 * only when RepoObject records it with the ref update.
 */
import { writeIdxV2 } from '../model/idx';
import type { ObjectType } from '../model/object';
import { PackIndexer, resolveDeltas } from '../model/pack-indexer';
import { toHex } from '../model/bytes';
import { MIN_PART_SIZE, type ObjectStore, type PartUpload } from './object-store';
import { idxKeyOf } from './pack-keys';
import { openRangeReader } from './range-reader';

export interface IntakeLimits {
  maxPackBytes: number;
  maxObjectBytes: number;
}

export interface StoredIntake {
  key: string;
  size: number;
  checksum: string;
  objectCount: number;
  /** Oids of every object in the pack. */
  oids: Set<string>;
}

export class PackTooLargeError extends Error {}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Stores and indexes a pack from `chunks`. `onObject` sees every object once (for the
 * connectivity check); `onProgress` gets coarse progress. On any error the partial upload is
 * removed and the error rethrown.
 */
export async function intakePack(
  store: ObjectStore,
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  limits: IntakeLimits,
  hooks: {
    onObject?(o: { oid: string; type: ObjectType; body: Uint8Array }): void;
    onProgress?(
      phase: 'receiving' | 'resolving',
      done: number,
      total: number,
    ): void | Promise<void>;
  } = {},
): Promise<StoredIntake> {
  const partSize = Math.max(MIN_PART_SIZE, 8 * 1024 * 1024);
  const indexer = new PackIndexer({ maxObjectSize: limits.maxObjectBytes });
  let upload: PartUpload | undefined;
  let pending: Uint8Array[] = [];
  let pendingLen = 0;
  let size = 0;
  let whole: Uint8Array | undefined;
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > limits.maxPackBytes) {
        throw new PackTooLargeError(`pack exceeds the limit of ${limits.maxPackBytes} bytes`);
      }
      indexer.push(chunk);
      pending.push(chunk);
      pendingLen += chunk.length;
      // R2 needs every part but the last to be the same size: cut exact `partSize` slices.
      while (pendingLen >= partSize) {
        const joined = concat(pending, pendingLen);
        upload ??= await store.beginUpload(key);
        await upload.uploadPart(joined.slice(0, partSize));
        const rest = joined.subarray(partSize);
        pending = rest.length ? [rest] : [];
        pendingLen = rest.length;
        await hooks.onProgress?.('receiving', size, 0);
      }
    }
    const scan = indexer.finish();
    if (upload) {
      if (pendingLen > 0) await upload.uploadPart(concat(pending, pendingLen));
      await upload.complete();
    } else {
      whole = concat(pending, pendingLen);
      await store.put(key, whole);
    }
    pending = [];
    const reader = whole
      ? { readRange: async (o: number, l: number) => (whole as Uint8Array).subarray(o, o + l) }
      : openRangeReader(store, key, size);
    let resolved = 0;
    const total = scan.entries.length;
    const oids = new Set<string>();
    const indexed = await resolveDeltas(
      scan,
      { readRange: (o, l) => reader.readRange(o, l) },
      {
        onObject: async (o) => {
          oids.add(o.oid);
          hooks.onObject?.(o);
          resolved++;
          if (resolved % 1000 === 0) await hooks.onProgress?.('resolving', resolved, total);
        },
      },
    );
    const idx = writeIdxV2(indexed.objects, indexed.packChecksum);
    await store.put(idxKeyOf(key), idx);
    return { key, size, checksum: toHex(indexed.packChecksum), objectCount: total, oids };
  } catch (err) {
    await upload?.abort().catch(() => undefined);
    await store.delete([key, idxKeyOf(key)]).catch(() => undefined);
    throw err;
  }
}
