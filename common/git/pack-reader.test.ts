import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  gitIndexPack,
  packAll,
  repoWithHistory,
  type ScratchRepo,
} from '../../test/helpers/git-model-fixtures';
import { concatBytes, utf8 } from './bytes';
import { createDelta } from './delta';
import { PackError } from './errors';
import { PackIndex } from './idx';
import { hashObject, type ObjectType } from './object';
import { encodeEntryHeader } from './pack-format';
import { readPackedObject } from './pack-reader';
import { PackWriter } from './pack-writer';
import { deflate as deflateBytes } from './native';

let repo: ScratchRepo;
beforeAll(() => {
  repo = repoWithHistory(25, { binary: true }).repo;
});
afterAll(() => repo.remove());

function io(pack: Uint8Array, idx?: PackIndex, reads?: number[]) {
  return {
    readRange: async (offset: number, length: number) => {
      reads?.push(length);
      return pack.slice(offset, offset + length);
    },
    lookupOffset: idx ? (oid: string) => idx.lookup(oid) : undefined,
  };
}

describe('readPackedObject', () => {
  test.each([
    ['REF_DELTA', [] as string[]],
    ['OFS_DELTA', ['--delta-base-offset']],
  ])('reads every object of a %s pack made by git', async (_n, args) => {
    const pack = packAll(repo, args);
    const idx = PackIndex.parse(gitIndexPack(pack));
    const reads: number[] = [];
    for (const oid of idx.oids()) {
      const o = await readPackedObject(io(pack, idx, reads), idx.lookup(oid) as number);
      expect(hashObject(o.type, o.body)).toBe(oid);
    }
    expect(Math.max(...reads)).toBeLessThanOrEqual(4 * 1024 * 1024);
    const head = repo.text(['rev-parse', 'HEAD']);
    const c = await readPackedObject(io(pack, idx), idx.lookup(head) as number);
    expect(c.type).toBe('commit');
    expect(c.body).toEqual(repo.git(['cat-file', 'commit', head]));
  });

  test('large object read in growing ranges; tiny header read', async () => {
    let x = 1;
    const big = new Uint8Array(1_000_000).map(
      () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) >>> 24,
    );
    const w = new PackWriter(1);
    const pack = concatBytes([w.header(), w.entry('blob', big), w.trailer()]);
    const reads: number[] = [];
    const o = await readPackedObject(io(pack, undefined, reads), 12, { maxHeaderBytes: 8 });
    expect(hashObject('blob', o.body)).toBe(hashObject('blob', big)); // toEqual is slow on 1 MB
    expect(reads[0]).toBe(32); // header reads are at least 32 bytes
    expect(reads.length).toBeGreaterThan(2);
  });

  test('an object over 8 MiB is inflated as its ranges arrive', async () => {
    const big = new Uint8Array(9 * 1024 * 1024).map((_, i) => (i * 7) ^ (i >> 9));
    const w = new PackWriter(1);
    const pack = concatBytes([w.header(), w.entry('blob', big), w.trailer()]);
    const reads: number[] = [];
    const o = await readPackedObject(io(pack, undefined, reads), 12);
    expect(hashObject('blob', o.body)).toBe(hashObject('blob', big));
    expect(Math.max(...reads)).toBeLessThanOrEqual(4 * 1024 * 1024);
    await expect(readPackedObject(io(pack.subarray(0, pack.length - 40)), 12)).rejects.toThrow(
      PackError,
    );
  });

  test('a zlib stream padded past any deflate bound is read in a stream', async () => {
    const body = utf8('padded body\n');
    const blocks = Array.from({ length: 300 }, () => [0x00, 0x00, 0x00, 0xff, 0xff]).flat();
    const z = deflateBytes(body);
    const n = body.length;
    const stream = new Uint8Array([
      0x78,
      0x01,
      ...blocks,
      0x01,
      n & 255,
      n >> 8,
      ~n & 255,
      (~n >> 8) & 255,
      ...body,
      ...z.subarray(z.length - 4),
    ]);
    const w = new PackWriter(1);
    const pack = concatBytes([
      w.header(),
      w.rawEntry(concatBytes([encodeEntryHeader(3, n), stream])),
      w.trailer(),
    ]);
    const o = await readPackedObject(io(pack), 12);
    expect(o).toEqual({ type: 'blob', body });
  });

  test('REF_DELTA base outside the pack via readExternal', async () => {
    const base = utf8('external base\n'.repeat(10));
    const target = utf8('external base\n'.repeat(9) + 'changed\n');
    const baseOid = hashObject('blob', base);
    const w = new PackWriter(1);
    const entry = concatBytes([
      encodeEntryHeader(7, createDelta(base, target).length),
      Uint8Array.from(baseOid.match(/../g) as string[], (h) => parseInt(h, 16)),
      deflateBytes(createDelta(base, target)),
    ]);
    const pack = concatBytes([w.header(), w.rawEntry(entry), w.trailer()]);
    const readExternal = async (oid: string) =>
      oid === baseOid ? { type: 'blob' as ObjectType, body: base } : undefined;
    const o = await readPackedObject({ ...io(pack), readExternal }, 12);
    expect(o).toEqual({ type: 'blob', body: target });
    await expect(readPackedObject(io(pack), 12)).rejects.toThrow(/delta base .* not found/);
  });

  test('bad input gives PackError', async () => {
    const pack = packAll(repo, ['--delta-base-offset']);
    const idx = PackIndex.parse(gitIndexPack(pack));
    const offsets = [...idx.entries()].map((e) => e.offset).sort((a, b) => a - b);
    const bad: Array<[string, Uint8Array, number]> = [
      ['truncated', pack.subarray(0, (offsets[3] as number) + 5), offsets[3] as number],
      ['past end', pack, pack.length + 10],
      ['not an entry', pack, (offsets[3] as number) + 3],
      ['trailer', pack, pack.length - 20],
    ];
    const flipped = pack.slice();
    for (const o of offsets) flipped[o + 4] = (flipped[o + 4] as number) ^ 0x55;
    bad.push(['corrupt zlib', flipped, offsets[5] as number]);
    for (const [name, bytes, at] of bad) {
      const err = await readPackedObject(io(bytes), at).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, name).toBeInstanceOf(PackError);
    }
    // A REF_DELTA pointing at itself loops until the depth limit.
    const w = new PackWriter(1);
    const self = concatBytes([
      encodeEntryHeader(7, 3),
      new Uint8Array(20),
      deflateBytes(new Uint8Array([0, 0, 0x41])),
    ]);
    const loop = concatBytes([w.header(), w.rawEntry(self), w.trailer()]);
    await expect(
      readPackedObject({ ...io(loop), lookupOffset: () => 12 }, 12, { maxChainDepth: 50 }),
    ).rejects.toThrow(/too deep/);
    await expect(
      readPackedObject(io(pack), offsets[0] as number, { maxObjectSize: 10 }),
    ).rejects.toThrow(PackError);
  });
});
