/**
 * Takes a pushed pack off the wire: streams it to the object store in parts while the pack
 * indexer's first pass runs over the same bytes (resolving most deltas on the way), then resolves
 * the rest by reading the stored pack back in blocks and writes the .idx. Memory is bounded by
 * two parts plus the indexer's tables and delta caches, whatever the pack's size; a pack of at
 * most `RESIDENT_MAX` bytes is also kept in memory so the second pass does not read it back.
 * Nothing is published here: the pack becomes visible only when RepoObject records it with the
 * ref update.
 */
import { PackIndex, writeIdxV2Raw } from '../../../common/git/idx';
import type { ObjectType } from '../../../common/git/object';
import { PackIndexer, resolveDeltas, type ReportedObject } from '../../../common/git/pack-indexer';
import { concatBytes, toHex } from '../../../common/git/bytes';
import { PackError } from '../../../common/git/errors';
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
  /** The index of the pack: which objects it holds (`has`, `hasBytes`). */
  oids: PackIndex;
}

export class PackTooLargeError extends Error {}

/** Packs up to this size stay in memory for the second pass instead of being read back. */
const RESIDENT_MAX = 16 * 1024 * 1024;

/** Range reads over the parts of a pack kept in memory (all `partSize` long but the last). */
function partsReader(parts: Uint8Array[], partSize: number) {
  return {
    readRange: async (offset: number, length: number): Promise<Uint8Array> => {
      const first = Math.floor(offset / partSize);
      const part = parts[first];
      const at = offset - first * partSize;
      if (part && at + length <= part.length) return part.subarray(at, at + length);
      const out: Uint8Array[] = [];
      let got = 0;
      for (let n = first; n < parts.length && got < length; n++) {
        const p = parts[n] as Uint8Array;
        const from = n === first ? at : 0;
        const piece = p.subarray(from, Math.min(p.length, from + length - got));
        out.push(piece);
        got += piece.length;
      }
      return concatBytes(out);
    },
  };
}

/**
 * Stores and indexes a pack from `chunks`. `onObject` sees every object once (for the
 * connectivity check): full objects while the pack streams in (pass 1), deltas as they are
 * resolved (pass 2); its `id` and `body` are only valid during the call. `onProgress` gets coarse
 * progress. On any error the partial upload is removed and the error rethrown.
 */
export async function intakePack(
  store: ObjectStore,
  key: string,
  chunks: AsyncIterable<Uint8Array>,
  limits: IntakeLimits,
  hooks: {
    /**
     * Types whose bodies `onObject` needs (default all); other objects may come with an empty
     * body (objects inflated in pass 1 always come with theirs).
     */
    bodyTypes?: readonly ObjectType[];
    onObject?(o: ReportedObject): void;
    onProgress?(
      phase: 'receiving' | 'resolving',
      done: number,
      total: number,
    ): void | Promise<void>;
  } = {},
): Promise<StoredIntake> {
  const partSize = Math.max(MIN_PART_SIZE, 8 * 1024 * 1024);
  const onObject = hooks.onObject;
  const indexer = new PackIndexer({
    maxObjectSize: limits.maxObjectBytes,
    ...(onObject ? { onObject: (o: ReportedObject) => onObject(o) } : {}),
  });
  let upload: PartUpload | undefined;
  // One part uploads while the next one fills and is indexed: storage I/O overlaps the CPU work.
  let inflight: Promise<void> | undefined;
  // The part being filled: every byte is copied once, into the part that will be uploaded.
  let part = new Uint8Array(0);
  let fill = 0;
  let size = 0;
  let whole: Uint8Array | undefined;
  /** Parts already uploaded, while the pack is small enough to keep. */
  let resident: Uint8Array[] | undefined = [];
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > RESIDENT_MAX) resident = undefined;
      if (size > limits.maxPackBytes) {
        throw new PackTooLargeError(`pack exceeds the limit of ${limits.maxPackBytes} bytes`);
      }
      indexer.push(chunk);
      // R2 needs every part but the last to be the same size: cut exact `partSize` slices.
      for (let i = 0; i < chunk.length;) {
        const n = Math.min(chunk.length - i, partSize - fill);
        if (fill + n > part.length) {
          // Grow while the pack may still be small; whole parts once it is not.
          const grown = new Uint8Array(
            upload ? partSize : Math.min(partSize, Math.max(2 * part.length, fill + n, 65536)),
          );
          grown.set(part.subarray(0, fill));
          part = grown;
        }
        part.set(chunk.subarray(i, i + n), fill);
        fill += n;
        i += n;
        if (fill < partSize) continue;
        upload ??= await store.beginUpload(key);
        resident?.push(part);
        await inflight;
        inflight = upload.uploadPart(part);
        inflight.catch(() => undefined); // awaited before the next part or at the end
        part = new Uint8Array(0);
        fill = 0;
        await hooks.onProgress?.('receiving', size, 0);
      }
    }
    const scan = indexer.finish();
    const last = part.subarray(0, fill);
    if (upload) {
      await inflight;
      if (fill > 0) await upload.uploadPart(last);
      await upload.complete();
      resident?.push(last);
    } else {
      whole = last;
      await store.put(key, whole);
    }
    part = new Uint8Array(0);
    const reader = whole
      ? { readRange: async (o: number, l: number) => (whole as Uint8Array).subarray(o, o + l) }
      : resident
        ? partsReader(resident, partSize)
        : openRangeReader(store, key, size);
    resident = undefined;
    const total = scan.objectCount;
    let resolved = 0;
    for (let i = 0; i < total; i++) resolved += scan.table.reported[i] as number;
    const indexed = await resolveDeltas(
      scan,
      { readRange: (o, l) => reader.readRange(o, l) },
      {
        wantBody: (type) => hooks.bodyTypes?.includes(type) ?? true,
        onObject: async (o) => {
          onObject?.(o);
          resolved++;
          if (resolved % 1000 === 0) await hooks.onProgress?.('resolving', resolved, total);
        },
      },
    );
    const idx = writeIdxV2Raw(
      indexed.count,
      indexed.ids,
      indexed.offsets,
      indexed.crcs,
      indexed.packChecksum,
    );
    const oids = PackIndex.parse(idx, { verifyChecksum: false });
    // A pack naming one object twice would make every clone that streams it fail ("appears
    // twice in the pack"); git's own packs never do, so it is refused rather than repaired.
    const twice = oids.firstDuplicate();
    if (twice) throw new PackError(`pack holds object ${twice} twice`);
    await store.put(idxKeyOf(key), idx);
    return { key, size, checksum: toHex(indexed.packChecksum), objectCount: total, oids };
  } catch (err) {
    await inflight?.catch(() => undefined);
    await upload?.abort().catch(() => undefined);
    await store.delete([key, idxKeyOf(key)]).catch(() => undefined);
    throw err;
  }
}
