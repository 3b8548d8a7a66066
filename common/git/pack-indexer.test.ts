import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  gitIndexPack,
  packAll,
  repoWithHistory,
  type ScratchRepo,
} from '../../test/helpers/git-model-fixtures';
import { concatBytes, fromUtf8, utf8 } from './bytes';
import { writeIdxV2 } from './idx';
import { hashObject, type ObjectType } from './object';
import { PackError, PackIndexer, resolveDeltas, type PackScan } from './pack-indexer';
import { PackWriter } from './pack-writer';
import { createDelta } from './delta';
import { encodeEntryHeader } from './pack-format';
import { deflate as deflateBytes } from './native';

let repo: ScratchRepo;
let refPack: Uint8Array; // REF_DELTA (pack-objects default)
let ofsPack: Uint8Array; // OFS_DELTA

beforeAll(() => {
  repo = repoWithHistory(40, { binary: true }).repo;
  refPack = packAll(repo);
  ofsPack = packAll(repo, ['--delta-base-offset']);
});
afterAll(() => repo.remove());

function rng(seed: number) {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
}

/** Feeds `pack` in chunks of pseudo-random sizes up to `maxChunk`. */
function scan(pack: Uint8Array, maxChunk = 5000, seed = 1, opts = {}): PackScan {
  const r = rng(seed);
  const ix = new PackIndexer(opts);
  for (let at = 0; at < pack.length;) {
    const n = 1 + (r() % maxChunk);
    ix.push(pack.subarray(at, at + n));
    at += n;
  }
  return ix.finish();
}

function rangeIO(pack: Uint8Array, reads?: { count: number }) {
  return {
    readRange: async (offset: number, length: number) => {
      if (reads) reads.count++;
      return pack.slice(offset, offset + length);
    },
  };
}

/** Expects `fn` to fail with PackError (sync or async) and nothing else. */
async function expectPackError(fn: () => unknown, msg?: RegExp): Promise<void> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a PackError').toBeInstanceOf(PackError);
  if (msg) expect((err as Error).message).toMatch(msg);
}

async function indexAll(pack: Uint8Array, opts: { cacheBytes?: number; maxChunk?: number } = {}) {
  // The same cache budget in both passes: 0 leaves every delta to pass 2.
  const s = scan(pack, opts.maxChunk, 1, opts.cacheBytes === undefined ? {} : opts);
  const seen = new Map<string, { type: ObjectType; body: Uint8Array }>();
  const indexed = await resolveDeltas(s, rangeIO(pack), {
    cacheBytes: opts.cacheBytes,
    onObject: (o) => {
      seen.set(o.oid, { type: o.type, body: o.body });
    },
  });
  return { s, indexed, seen };
}

describe('PackIndexer + resolveDeltas on packs made by git', () => {
  test.each([
    ['REF_DELTA', () => refPack, 'ref-delta'],
    ['OFS_DELTA', () => ofsPack, 'ofs-delta'],
  ])('%s pack → idx byte-identical to git index-pack', async (_n, pack, kind) => {
    const { s, indexed, seen } = await indexAll(pack());
    expect(s.entries.filter((e) => e.kind === kind).length).toBeGreaterThan(20);
    expect(s.objectCount).toBe(s.entries.length);
    expect(indexed.thinBases).toEqual([]);
    const idx = writeIdxV2(indexed.objects, indexed.packChecksum);
    expect(idx).toEqual(gitIndexPack(pack()));
    // onObject saw every object exactly once, with the right bodies.
    expect(seen.size).toBe(s.objectCount);
    const all = repo.text(['rev-list', '--objects', '--all']).split('\n');
    expect(new Set(seen.keys())).toEqual(new Set(all.map((l) => l.slice(0, 40))));
    for (const [oid, o] of [...seen].filter((_, i) => i % 9 === 0)) {
      expect(repo.git(['cat-file', o.type, oid])).toEqual(o.body);
      expect(hashObject(o.type, o.body)).toBe(oid);
    }
  });

  test('byte-at-a-time chunks and a 1 KiB cache still resolve correctly', async () => {
    const want = writeIdxV2((await indexAll(ofsPack)).indexed.objects, ofsPack.subarray(-20));
    const tiny = await indexAll(ofsPack, { cacheBytes: 1024, maxChunk: 1 });
    expect(writeIdxV2(tiny.indexed.objects, tiny.indexed.packChecksum)).toEqual(want);
    const reads = { count: 0 };
    const s = scan(refPack);
    await resolveDeltas(s, rangeIO(refPack, reads), { cacheBytes: 0, readAheadBytes: 1 });
    expect(reads.count).toBeGreaterThan(s.entries.length); // evicted bases were re-read
  });

  test.each([0, 4096, undefined])(
    'pass 1 (cache %s) and pass 2 together report every object once, with its body',
    async (cacheBytes) => {
      const seen = new Map<string, number>();
      const bodies = new Map<string, string>();
      const see = (o: { oid: string; type: ObjectType; body: Uint8Array }) => {
        seen.set(o.oid, (seen.get(o.oid) ?? 0) + 1);
        bodies.set(o.oid, hashObject(o.type, o.body));
      };
      const r = rng(3);
      const ix = new PackIndexer(
        cacheBytes === undefined ? { onObject: see } : { cacheBytes, onObject: see },
      );
      for (let at = 0; at < ofsPack.length;) {
        const n = 1 + (r() % 3000);
        ix.push(ofsPack.subarray(at, at + n));
        at += n;
      }
      const s = ix.finish();
      const indexed = await resolveDeltas(s, rangeIO(ofsPack), { cacheBytes: 2048, onObject: see });
      expect(writeIdxV2(indexed.objects, indexed.packChecksum)).toEqual(gitIndexPack(ofsPack));
      expect(seen.size).toBe(s.objectCount);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
      for (const [oid, h] of bodies) expect(h).toBe(oid);
    },
  );

  test('wantBody: unwanted bodies are not inflated again, deltas still resolve', async () => {
    const s = scan(ofsPack);
    const reads = { count: 0 };
    const got = new Map<string, { type: ObjectType; length: number }>();
    const indexed = await resolveDeltas(s, rangeIO(ofsPack, reads), {
      readAheadBytes: 1,
      wantBody: (type) => type !== 'blob',
      onObject: (o) => {
        got.set(o.oid, { type: o.type, length: o.body.length });
      },
    });
    expect(writeIdxV2(indexed.objects, indexed.packChecksum)).toEqual(gitIndexPack(ofsPack));
    expect(got.size).toBe(s.objectCount);
    const lengths = [...got.values()];
    expect(lengths.filter((o) => o.type !== 'blob').every((o) => o.length > 0)).toBe(true);
    expect(lengths.some((o) => o.type === 'blob' && o.length === 0)).toBe(true);
    expect(reads.count).toBeLessThan(s.objectCount);
  });

  test('thin pack: REF_DELTA bases come from readExternal', async () => {
    const head = repo.text(['rev-parse', 'HEAD']);
    const thin = repo.git(
      ['pack-objects', '--thin', '--stdout', '-q', '--revs'],
      'HEAD\n^HEAD~2\n',
    );
    const s = scan(thin);
    const external = new Set<string>();
    const readExternal = async (oid: string) => {
      external.add(oid);
      const type = repo.text(['cat-file', '-t', oid]) as ObjectType;
      return { type, body: repo.git(['cat-file', type, oid]) };
    };
    const indexed = await resolveDeltas(s, { ...rangeIO(thin), readExternal });
    expect(external.size).toBeGreaterThan(0);
    expect(new Set(indexed.thinBases)).toEqual(external);
    const oids = indexed.objects.map((o) => o.oid);
    expect(oids).toContain(head);
    for (const oid of external) expect(oids).not.toContain(oid);
    const want = repo.text(['rev-list', '--objects', 'HEAD', '^HEAD~2']).split('\n');
    expect(new Set(oids)).toEqual(new Set(want.map((l) => l.slice(0, 40))));
    await expectPackError(
      () => resolveDeltas(s, rangeIO(thin)),
      /delta base [0-9a-f]{40} not found/,
    );
    const lying = async () => ({ type: 'blob' as const, body: utf8('not it') });
    await expectPackError(
      () => resolveDeltas(s, { ...rangeIO(thin), readExternal: lying }),
      /does not match/,
    );
  });

  test('REF_DELTA chains whose bases come later in the pack', async () => {
    const v1 = utf8('version one\n'.repeat(30));
    const v2 = utf8('version one\n'.repeat(29) + 'two\n');
    const v3 = utf8('version one\n'.repeat(28) + 'three\n');
    const refEntry = (base: Uint8Array, target: Uint8Array) => {
      const d = createDelta(base, target);
      const oid = Uint8Array.from(hashObject('blob', base).match(/../g) as string[], (h) =>
        parseInt(h, 16),
      );
      return concatBytes([encodeEntryHeader(7, d.length), oid, deflateBytes(d)]);
    };
    const w = new PackWriter(3);
    const pack = concatBytes([
      w.header(),
      w.rawEntry(refEntry(v2, v3)), // v3 on v2, which is itself a delta further on
      w.rawEntry(refEntry(v1, v2)),
      w.entry('blob', v1),
      w.trailer(),
    ]);
    const { indexed, seen } = await indexAll(pack, { cacheBytes: 0 });
    expect(indexed.objects.map((o) => o.oid)).toEqual(
      [v3, v2, v1].map((b) => hashObject('blob', b)),
    );
    expect(seen.get(hashObject('blob', v3))?.body).toEqual(v3);
    expect(writeIdxV2(indexed.objects, indexed.packChecksum)).toEqual(gitIndexPack(pack));
  });

  test('a zlib stream padded past any deflate bound (empty stored blocks) is accepted', async () => {
    const body = utf8('padded body\n');
    const blocks = Array.from({ length: 200 }, () => [0x00, 0x00, 0x00, 0xff, 0xff]).flat();
    const a = new DataView(deflateBytes(body).buffer).getUint32(deflateBytes(body).length - 4);
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
      a >>> 24,
      (a >>> 16) & 255,
      (a >>> 8) & 255,
      a & 255,
    ]);
    const w = new PackWriter(2);
    const pack = concatBytes([
      w.header(),
      w.rawEntry(concatBytes([encodeEntryHeader(3, n), stream])),
      w.entry('blob', utf8('after it')),
      w.trailer(),
    ]);
    for (const chunk of [1, 7, 100, 5000]) {
      const { indexed, seen } = await indexAll(pack, { maxChunk: chunk });
      expect(writeIdxV2(indexed.objects, indexed.packChecksum)).toEqual(gitIndexPack(pack));
      expect(seen.get(hashObject('blob', body))?.body).toEqual(body);
    }
  });

  test('empty pack', () => {
    const w = new PackWriter(0);
    const s = scan(concatBytes([w.header(), w.trailer()]));
    expect(s).toMatchObject({ objectCount: 0, entries: [] });
  });

  test('limits: maxObjects and maxObjectSize', async () => {
    await expectPackError(() => scan(ofsPack, 5000, 1, { maxObjects: 3 }), /too many objects/);
    await expectPackError(() => scan(ofsPack, 5000, 1, { maxObjectSize: 1000 }), /too large/);
    // No pass-1 cache: every delta is left to pass 2, which applies its own limit.
    const s = scan(ofsPack, 5000, 1, { cacheBytes: 0 });
    await expectPackError(
      () => resolveDeltas(s, rangeIO(ofsPack), { maxObjectSize: 5000 }),
      /too large/,
    );
  });
});

describe('bad packs give PackError, never another error, never a hang', () => {
  test('truncated at many cut points', async () => {
    const r = rng(9);
    const cuts = [
      0,
      1,
      4,
      11,
      12,
      13,
      20,
      ofsPack.length - 21,
      ofsPack.length - 20,
      ofsPack.length - 1,
    ];
    for (let i = 0; i < 60; i++) cuts.push(r() % ofsPack.length);
    for (const cut of cuts) {
      await expectPackError(() => scan(ofsPack.subarray(0, cut), 3000, cut), /truncated|count/);
    }
  });

  test('flipped bytes anywhere', async () => {
    const r = rng(3);
    for (let i = 0; i < 80; i++) {
      const bad = refPack.slice();
      const at = i < 12 ? i : r() % bad.length;
      bad[at] = (bad[at] as number) ^ (1 << (r() % 8));
      await expectPackError(async () => {
        const s = scan(bad, 4000, i);
        await resolveDeltas(s, rangeIO(bad));
      });
    }
  });

  test('random bytes, with and without a valid header', async () => {
    const r = rng(5);
    for (let i = 0; i < 100; i++) {
      const b = new Uint8Array(r() % 400).map(() => r() & 255);
      if (i % 2) b.set(utf8('PACK\0\0\0\x02\0\0\0\x03').subarray(0, b.length));
      await expectPackError(() => scan(b, 64, i));
    }
  });

  test('header errors', async () => {
    const bad = ofsPack.slice();
    bad[0] = 0x51;
    await expectPackError(() => scan(bad), /bad pack signature/);
    const v4 = ofsPack.slice();
    v4[7] = 4;
    await expectPackError(() => scan(v4), /unsupported pack version 4/);
  });

  test('wrong object count (too high, too low) and trailing garbage', async () => {
    const count = new DataView(ofsPack.buffer, ofsPack.byteOffset).getUint32(8);
    for (const [n, msg] of [
      [count + 1, /object count mismatch/],
      [count - 1, /more data than|checksum/],
    ] as const) {
      const body = ofsPack.slice(0, ofsPack.length - 20);
      new DataView(body.buffer).setUint32(8, n);
      const { sha1 } = await import('@noble/hashes/legacy.js');
      await expectPackError(() => scan(concatBytes([body, sha1(body)])), msg);
    }
    await expectPackError(
      () => scan(concatBytes([ofsPack, utf8('x')])),
      /trailing garbage|more data/,
    );
    const ix = new PackIndexer();
    ix.push(ofsPack);
    await expectPackError(() => ix.push(utf8('extra')), /trailing garbage/);
    await expectPackError(() => ix.finish(), /trailing garbage/); // the error sticks
  });

  test('valid framing but broken deltas or sizes', async () => {
    const base = utf8('base object\n'.repeat(20));
    const make = (entry: (w: PackWriter, baseOffset: number) => Uint8Array) => {
      const w = new PackWriter(2);
      const parts = [w.header()];
      const at = w.offset;
      parts.push(w.entry('blob', base));
      parts.push(entry(w, at));
      parts.push(w.trailer());
      return concatBytes(parts);
    };
    const wrongBase = make((w, at) => w.ofsDeltaEntry(at, createDelta(utf8('other'), utf8('x'))));
    await expectPackError(
      async () => resolveDeltas(scan(wrongBase), rangeIO(wrongBase)),
      /base size mismatch/,
    );
    const missing = make((w) =>
      w.rawEntry(
        concatBytes([
          encodeEntryHeader(7, 3),
          new Uint8Array(20).fill(0xab),
          deflateBytes(new Uint8Array([1, 1, 0x41])),
        ]),
      ),
    );
    await expectPackError(() => resolveDeltas(scan(missing), rangeIO(missing)), /abab.*not found/);
    const sizeLie = make((w) =>
      w.rawEntry(concatBytes([encodeEntryHeader(3, 10), deflateBytes(utf8('12345'))])),
    );
    await expectPackError(() => scan(sizeLie), /inflates to 5 bytes, header says 10/);
    const badType = make((w) =>
      w.rawEntry(concatBytes([encodeEntryHeader(5, 1), deflateBytes(utf8('x'))])),
    );
    await expectPackError(() => scan(badType), /bad object type 5/);
    const badZlib = make((w) =>
      w.rawEntry(concatBytes([encodeEntryHeader(3, 1), utf8('not zlib data')])),
    );
    await expectPackError(() => scan(badZlib), /zlib/);
    const badOfs = make((w) =>
      w.rawEntry(
        concatBytes([encodeEntryHeader(6, 1), new Uint8Array([5]), deflateBytes(utf8('x'))]),
      ),
    );
    await expectPackError(
      () => resolveDeltas(scan(badOfs), rangeIO(badOfs)),
      /offset .* not found/,
    );
    expect(fromUtf8(base.subarray(0, 4))).toBe('base');
  });

  test('a stored pack that changed since the scan is detected', async () => {
    const s = scan(ofsPack, 5000, 1, { cacheBytes: 0 }); // pass 2 reads every delta back
    const other = ofsPack.slice();
    other.fill(0, 12, 200);
    await expectPackError(() => resolveDeltas(s, rangeIO(other), { onObject: () => {} }));
    await expectPackError(() =>
      resolveDeltas(s, { readRange: async (o, l) => ofsPack.slice(o, o + Math.min(l, 10)) }),
    );
  });
});
