import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  packAll,
  repoWithHistory,
  scratchRepo,
  type ScratchRepo,
} from '../../test/helpers/git-model-fixtures';
import { PackError } from './errors';
import { PackIndex, writeIdxV2 } from './idx';

let repo: ScratchRepo;
let pack: Uint8Array;
let idx: Uint8Array;
let bigIdx: Uint8Array;

beforeAll(() => {
  repo = repoWithHistory(6).repo;
  pack = packAll(repo);
  writeFileSync(join(repo.dir, 'p.pack'), pack);
  repo.git(['index-pack', '-o', join(repo.dir, 'p.idx'), join(repo.dir, 'p.pack')]);
  idx = repo.read('p.idx');
  // Force every offset above 0 into the 64-bit table to exercise it.
  repo.git([
    'index-pack',
    '--index-version=2,0',
    '-o',
    join(repo.dir, 'big.idx'),
    join(repo.dir, 'p.pack'),
  ]);
  bigIdx = repo.read('big.idx');
});
afterAll(() => repo.remove());

describe('pack index v2', () => {
  test('parses git idx and rewrites it byte-identically', () => {
    const parsed = PackIndex.parse(idx);
    const verify = repo.text(['verify-pack', '-v', join(repo.dir, 'p.idx')]);
    const lines = verify.split('\n').filter((l) => /^[0-9a-f]{40} /.test(l));
    expect(parsed.count).toBe(lines.length);
    for (const l of lines) {
      const [oid = '', , , , offset = ''] = l.split(/\s+/);
      expect(parsed.lookup(oid)).toBe(Number(offset));
      expect(parsed.has(oid)).toBe(true);
    }
    expect(parsed.packChecksum).toEqual(pack.subarray(pack.length - 20));
    expect(writeIdxV2([...parsed.entries()].reverse(), parsed.packChecksum)).toEqual(idx);
    expect([...parsed.oids()]).toEqual([...parsed.oids()].sort());
    expect(parsed.lookup('0'.repeat(40))).toBeUndefined();
    expect(parsed.lookup('f'.repeat(40))).toBeUndefined();
    expect(parsed.has('not-an-oid')).toBe(false);
  });

  test('64-bit offset table', () => {
    const small = PackIndex.parse(idx);
    const big = PackIndex.parse(bigIdx);
    expect(bigIdx.length).toBeGreaterThan(idx.length);
    for (const oid of small.oids()) expect(big.lookup(oid)).toBe(small.lookup(oid));
    const entries = [
      { oid: 'aa'.repeat(20), offset: 12, crc32: 1 },
      { oid: '11'.repeat(20), offset: 2 ** 31, crc32: 2 },
      { oid: 'ff'.repeat(20), offset: 5 * 2 ** 32 + 7, crc32: 0xffffffff },
    ];
    const written = PackIndex.parse(writeIdxV2(entries, new Uint8Array(20)));
    for (const e of entries) {
      expect(written.lookup(e.oid)).toBe(e.offset);
      expect(written.crc32(e.oid)).toBe(e.crc32);
    }
  });

  test('empty index', () => {
    const empty = PackIndex.parse(writeIdxV2([], new Uint8Array(20).fill(9)));
    expect(empty.count).toBe(0);
    expect(empty.lookup('ab'.repeat(20))).toBeUndefined();
    expect(empty.packChecksum).toEqual(new Uint8Array(20).fill(9));
  });

  test('bad input gives PackError', () => {
    expect(() => PackIndex.parse(idx.subarray(0, 100))).toThrow(PackError);
    for (const cut of [1100, idx.length - 1, idx.length - 41]) {
      expect(() => PackIndex.parse(idx.subarray(0, cut))).toThrow(PackError);
    }
    const flipped = idx.slice();
    flipped[2000] = (flipped[2000] as number) ^ 1;
    expect(() => PackIndex.parse(flipped)).toThrow(PackError);
    const badMagic = idx.slice();
    badMagic[0] = 0;
    expect(() => PackIndex.parse(badMagic)).toThrow(/signature/);
    const badFanout = idx.slice();
    badFanout.fill(0xff, 8, 12);
    expect(() => PackIndex.parse(badFanout)).toThrow(PackError);
    let seed = 5;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
    for (let i = 0; i < 50; i++) {
      const b = new Uint8Array(1072 + (rnd() << 2)).map(rnd);
      if (i % 2) b.set([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]);
      expect(() => PackIndex.parse(b)).toThrow(PackError);
    }
    expect(() => writeIdxV2([{ oid: 'xyz', offset: 0, crc32: 0 }], new Uint8Array(20))).toThrow(
      PackError,
    );
  });
});

test('scratch repo fixture is isolated', () => {
  const r = scratchRepo(true);
  expect(r.text(['rev-parse', '--is-bare-repository'])).toBe('true');
  r.remove();
});
