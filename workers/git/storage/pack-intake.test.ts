import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { gitIndexPack } from '../../../test/helpers/git-model-fixtures';
import { concatBytes } from '../../../common/git/bytes';
import { hashObject } from '../../../common/git/object';
import { PackError } from '../../../common/git/errors';
import { PackWriter } from '../../../common/git/pack-writer';
import { memoryObjectStore, type ObjectStore } from './object-store';
import { intakePack } from './pack-intake';
import { idxKeyOf } from './pack-keys';

const MiB = 1024 * 1024;
const limits = { maxPackBytes: 1 << 30, maxObjectBytes: 1 << 30 };

/** Incompressible bytes (xorshift), so pack size ≈ content size. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >> 2);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return out;
}

function digest(b: Uint8Array | undefined): string {
  return b ? createHash('sha1').update(b).digest('hex') : 'absent';
}

function packOf(blobs: Uint8Array[]): Uint8Array {
  const w = new PackWriter(blobs.length);
  return concatBytes([w.header(), ...blobs.map((b) => w.entry('blob', b)), w.trailer()]);
}

async function* chunked(pack: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < pack.length; i += size) yield pack.slice(i, i + size);
}

/** A memory store that counts ranged reads of the pack. */
function countingStore(): { store: ObjectStore; ranged: () => number; keys: () => number } {
  const mem = memoryObjectStore();
  let ranged = 0;
  const store: ObjectStore = {
    ...mem,
    get: (key, range) => {
      if (range) ranged++;
      return mem.get(key, range);
    },
  };
  return { store, ranged: () => ranged, keys: () => mem.size() };
}

describe('intakePack', () => {
  test.each([
    ['one put, small pack', [0.3, 0.2], false],
    ['multipart, kept in memory for pass 2', [3.5, 3.5, 3.5], false],
    ['multipart, nothing to read back (no deltas, all reported in pass 1)', [6, 6, 6], false],
    ['objects over 8 MiB (streamed in pass 1) read back in ranges', [9, 8.5], true],
  ])('%s', async (_name, sizes, readsBack) => {
    const blobs = sizes.map((s, i) => noise(Math.round(s * MiB), i + 1));
    const pack = packOf(blobs);
    const { store, ranged } = countingStore();
    const seen = new Set<string>();
    const key = 'repos/r/packs/pack-x.pack';
    const got = await intakePack(store, key, chunked(pack, 64 * 1024 + 7), limits, {
      onObject: (o) => {
        seen.add(o.oid);
      },
    });
    const oids = new Set(blobs.map((b) => hashObject('blob', b)));
    expect(new Set(got.oids.oids())).toEqual(oids);
    expect(seen).toEqual(oids);
    expect(got).toMatchObject({ key, size: pack.length, objectCount: blobs.length });
    // Compared as hex digests: toEqual on megabytes of bytes takes minutes.
    expect(digest(await store.get(key))).toBe(digest(pack));
    expect(digest(await store.get(idxKeyOf(key)))).toBe(digest(gitIndexPack(pack)));
    expect(ranged() > 0).toBe(readsBack);
  });

  test('objects inflated whole in pass 1 are reported from there, with their bodies', async () => {
    const blobs = [noise(1000, 1), noise(2000, 2)];
    const pack = packOf(blobs);
    const lengths: number[] = [];
    const got = await intakePack(memoryObjectStore(), 'k.pack', chunked(pack, 700), limits, {
      bodyTypes: ['commit', 'tree', 'tag'],
      onObject: (o) => {
        lengths.push(o.body.length);
      },
    });
    expect(new Set(got.oids.oids())).toEqual(new Set(blobs.map((b) => hashObject('blob', b))));
    expect(lengths).toEqual([1000, 2000]);
  });

  test('a truncated pack is refused and nothing stays stored', async () => {
    const pack = packOf([noise(9 * MiB, 7), noise(100, 8)]);
    const { store, keys } = countingStore();
    const err = await intakePack(store, 'k.pack', chunked(pack.subarray(0, -30), 65536), limits)
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackError);
    expect(keys()).toBe(0);
  });
});
