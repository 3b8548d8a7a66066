/**
 * Random reads of a stored pack through fixed-size blocks kept in a small LRU, so resolving
 * deltas and reading objects costs one storage request per block, not per object, and memory
 * stays bounded (`blocks × blockSize`). Packs that fit `inlineLimit` are read once, whole.
 */
import type { ObjectStore } from './object-store';

export interface RangeReader {
  readRange(offset: number, length: number): Promise<Uint8Array>;
  size: number;
}

export interface RangeReaderOptions {
  blockSize?: number;
  blocks?: number;
  /** Packs up to this size are fetched whole on first read. */
  inlineLimit?: number;
}

/** Opens a reader over `key` of known `size`. */
export function openRangeReader(
  store: ObjectStore,
  key: string,
  size: number,
  opts: RangeReaderOptions = {},
): RangeReader {
  const inlineLimit = opts.inlineLimit ?? 4 * 1024 * 1024;
  const blockSize = opts.blockSize ?? 1024 * 1024;
  const maxBlocks = opts.blocks ?? 16;
  let whole: Promise<Uint8Array> | undefined;
  const cache = new Map<number, Promise<Uint8Array>>();

  const block = (n: number): Promise<Uint8Array> => {
    const hit = cache.get(n);
    if (hit) {
      cache.delete(n);
      cache.set(n, hit);
      return hit;
    }
    const offset = n * blockSize;
    const p = store.get(key, { offset, length: Math.min(blockSize, size - offset) }).then((b) => {
      if (!b) throw new Error(`pack ${key} vanished from storage`);
      return b;
    });
    cache.set(n, p);
    if (cache.size > maxBlocks) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    p.catch(() => cache.delete(n));
    return p;
  };

  return {
    size,
    async readRange(offset, length) {
      const end = Math.min(size, offset + length);
      if (offset < 0 || offset > size)
        throw new RangeError(`read at ${offset} outside pack of ${size} bytes`);
      if (size <= inlineLimit) {
        whole ??= store.get(key).then((b) => {
          if (!b) throw new Error(`pack ${key} vanished from storage`);
          return b;
        });
        return (await whole).subarray(offset, end);
      }
      const first = Math.floor(offset / blockSize);
      const last = Math.floor(Math.max(offset, end - 1) / blockSize);
      if (first === last) {
        const b = await block(first);
        return b.subarray(offset - first * blockSize, end - first * blockSize);
      }
      const out = new Uint8Array(end - offset);
      for (let n = first; n <= last; n++) {
        const b = await block(n);
        const bStart = n * blockSize;
        const from = Math.max(offset, bStart);
        const to = Math.min(end, bStart + b.length);
        out.set(b.subarray(from - bStart, to - bStart), from - offset);
      }
      return out;
    },
  };
}
