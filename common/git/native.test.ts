import { deflateSync } from 'node:zlib';
import { sha1 as nobleSha1 } from '@noble/hashes/legacy.js';
import { describe, expect, test } from 'vitest';
import { toHex, utf8 } from './bytes';
import {
  adler32,
  crc32,
  deflate,
  inflateExact,
  inflatePrefix,
  inflateStreamAt,
  Sha1,
  sha1Hex,
  ZlibDataError,
} from './native';

function rng(seed: number) {
  return () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8;
}

function bytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  return new Uint8Array(n).map(() => r() & 255);
}

/**
 * A body whose own Adler-32 appears `copies` times inside it, so a stored (level 0) zlib stream
 * of it holds look-alike trailers before its real end. Solved by adjusting 300 free bytes.
 */
function bodyHidingItsAdler(copies: number, seed: number): Uint8Array {
  const r = rng(seed);
  const target = [r() % 255, r() & 255, r() % 255, r() & 255]; // both halves < 65521
  const wantB = ((target[0] as number) << 8) | (target[1] as number);
  const wantA = ((target[2] as number) << 8) | (target[3] as number);
  const prefix = bytes(100, seed + 1);
  const n = 300;
  const body = new Uint8Array(prefix.length + 4 * copies + n);
  body.set(prefix);
  for (let c = 0; c < copies; c++) body.set(target, prefix.length + 4 * c);
  const s = body.length - n;
  body.fill(128, s);
  const M = 65521;
  // a = 1 + Σ bytes: step free bytes up or down one at a time.
  for (let k = 0; (adler32(body) & 0xffff) !== wantA; k = (k + 1) % n) {
    const up = (wantA - (adler32(body) & 0xffff) + M) % M <= M / 2;
    const v = body[s + k] as number;
    body[s + k] = up ? Math.min(255, v + 1) : Math.max(0, v - 1);
  }
  // b weighs each byte by how many bytes follow it: moving a unit from a later free byte to an
  // earlier one raises b by their distance and leaves a alone.
  for (let k = 0; adler32(body) >>> 16 !== wantB; k++) {
    if (k > 100_000) throw new Error('no solution');
    const d = (wantB - (adler32(body) >>> 16) + M) % M;
    const up = d <= M / 2;
    const near = s + (k % 10);
    const far = near + Math.min(n - 11, up ? d : M - d);
    const [from, to] = up ? [far, near] : [near, far];
    body[from] = (body[from] as number) - 1;
    body[to] = (body[to] as number) + 1;
  }
  return body;
}

/** CRC-32 (zlib/IEEE polynomial) written out bit by bit: the reference the native one must match. */
function jsCrc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

describe('native hashing and checksums', () => {
  test('SHA-1 matches @noble/hashes, incrementally and after copy', () => {
    const a = bytes(1000, 1);
    const b = bytes(70000, 2);
    const h = Sha1.create().update(a);
    const fork = h.copy();
    h.update(b);
    const both = new Uint8Array([...a, ...b]);
    expect(toHex(h.digest())).toBe(toHex(nobleSha1(both)));
    expect(fork.digestHex()).toBe(toHex(nobleSha1(a)));
    expect(sha1Hex(utf8('blob 0\0'))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });

  test('CRC-32 and Adler-32 match the reference values', () => {
    const d = bytes(100_000, 3);
    expect(crc32(d)).toBe(jsCrc32(d));
    expect(crc32(d.subarray(5000), crc32(d.subarray(0, 5000)))).toBe(jsCrc32(d));
    const z = deflateSync(d);
    const tail = z.subarray(z.length - 4);
    expect(adler32(d)).toBe(new DataView(tail.buffer, tail.byteOffset).getUint32(0));
    expect(adler32(new Uint8Array(0))).toBe(1);
  });
});

describe('inflating pack entries', () => {
  test.each([0, 1, 300, 20_000, 70_000, 300_000])(
    'a %i-byte stream followed by other bytes: output and exact input used',
    (n) => {
      const body = bytes(n, n + 7).map((x, i) => (i % 3 ? x : 0));
      for (const level of [0, 1, 6, 9]) {
        const z = deflate(body, level);
        const buf = new Uint8Array([9, 9, ...z, ...bytes(50, 1)]);
        const r = inflateStreamAt(buf, 2, buf.length, n);
        expect(r?.consumed).toBe(z.length);
        expect(toHex(r?.output ?? new Uint8Array())).toBe(toHex(body));
        expect(inflateStreamAt(buf, 2, 2 + z.length - 1, n)).toBeUndefined();
        expect(inflateExact(z, n).length).toBe(n);
      }
    },
  );

  test.each([1, 3, 9])(
    'look-alike trailers inside the data (%i) are not taken for the end',
    (c) => {
      const body = bodyHidingItsAdler(c, c);
      const z = deflateSync(body, { level: 0 });
      const a = adler32(body);
      const trailer = [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255];
      expect(toHex(z.subarray(z.length - 4))).toBe(toHex(new Uint8Array(trailer)));
      expect(toHex(body)).toContain(toHex(new Uint8Array(trailer)).repeat(c));
      const buf = new Uint8Array([...z, 1, 2, 3, 4, 5, 6, 7, 8]);
      const r = inflateStreamAt(buf, 0, buf.length, body.length);
      expect(r?.consumed).toBe(z.length);
      expect(inflateStreamAt(buf, 0, z.length - 1, body.length)).toBeUndefined();
    },
  );

  test('truncated, corrupt and oversized streams', () => {
    const body = bytes(5000, 9);
    const z = deflate(body);
    for (const cut of [0, 1, 2, 10, z.length - 4, z.length - 1]) {
      expect(inflatePrefix(z.subarray(0, cut), 5000)).toBeUndefined();
      expect(() => inflateExact(z.subarray(0, cut), 5000)).toThrow(ZlibDataError);
    }
    expect(() => inflatePrefix(utf8('not zlib at all'), 10)).toThrow(ZlibDataError);
    const flipped = z.slice();
    flipped[20] = (flipped[20] as number) ^ 0xff;
    expect(() => inflateExact(flipped, 5000)).toThrow(ZlibDataError);
    expect(() => inflateExact(z, 4999)).toThrow(/longer than declared/);
    expect(() => inflateExact(z, 5001)).toThrow(/5000 bytes, header says 5001/);
    // Far longer than declared: stopped by the output guard, not inflated whole.
    const bomb = deflate(new Uint8Array(50 * 1024 * 1024));
    expect(() => inflatePrefix(bomb, 10)).toThrow(ZlibDataError);
    expect(() => inflateStreamAt(bomb, 0, bomb.length, 10)).toThrow(ZlibDataError);
  });
});
