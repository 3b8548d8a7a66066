import { describe, expect, test } from 'vitest';
import { utf8 } from './bytes';
import { DeltaError, applyDelta, createDelta, deltaSizes } from './delta';

function rand(seed: number) {
  return () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
}

describe('delta', () => {
  test('copy and insert instructions', () => {
    const base = utf8('0123456789abcdef');
    // base 16, result 9: copy off=10 size=6 ("abcdef"), insert "XYZ"
    const delta = new Uint8Array([16, 9, 0x80 | 0x01 | 0x10, 10, 6, 3, 88, 89, 90]);
    expect(new TextDecoder().decode(applyDelta(base, delta))).toBe('abcdefXYZ');
    expect(deltaSizes(delta)).toEqual({ baseSize: 16, resultSize: 9 });
  });

  test('copy size 0 means 0x10000; multi-byte offsets', () => {
    const base = new Uint8Array(0x10000 + 300).map((_, i) => i & 255);
    const delta = new Uint8Array([
      ...[0xac, 0x82, 0x04], // base size 0x1012c (little-endian base 128)
      ...[0x80, 0x80, 0x04], // result size 0x10000
      0x80, // copy, offset 0, size 0 => 0x10000
    ]);
    expect(applyDelta(base, delta)).toEqual(base.subarray(0, 0x10000));
    const d2 = new Uint8Array([0xac, 0x82, 0x04, 2, 0x80 | 0x03 | 0x10, 0x01, 0x01, 2]);
    expect(applyDelta(base, d2)).toEqual(base.subarray(257, 259));
  });

  test('createDelta round-trips on random edits', () => {
    const r = rand(3);
    for (let n = 0; n < 30; n++) {
      const base = new Uint8Array(r() * 40).map(() => r() % 20);
      const target = new Uint8Array([
        ...base.subarray(5),
        ...new Uint8Array(r()).map(r),
        ...base.subarray(0, 50),
      ]);
      expect(applyDelta(base, createDelta(base, target))).toEqual(target);
    }
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) % 251);
    const d = createDelta(big, big);
    expect(d.length).toBeLessThan(100);
    expect(applyDelta(big, d)).toEqual(big);
  });

  const base = utf8('0123456789');
  test.each([
    ['base size mismatch', [11, 1, 1, 65], /base size mismatch/],
    ['copy out of range', [10, 5, 0x91, 8, 5], /out of base range/],
    ['result larger than declared', [10, 1, 2, 65, 66], /larger than declared/],
    ['result smaller than declared', [10, 3, 1, 65], /result size mismatch/],
    ['reserved opcode 0', [10, 1, 0], /reserved/],
    ['truncated insert', [10, 5, 5, 65], /truncated insert/],
    ['truncated copy', [10, 5, 0x91], /truncated copy/],
    ['truncated header', [0x80], /truncated delta header/],
    ['empty', [], /truncated delta header/],
    ['impossible result size', [10, 0xff, 0xff, 0xff, 0x7f, 0x90, 1], /can produce/],
  ])('%s → DeltaError', (_n, bytes, msg) => {
    expect(() => applyDelta(base, new Uint8Array(bytes as number[]))).toThrow(msg as RegExp);
    expect(() => applyDelta(base, new Uint8Array(bytes as number[]))).toThrow(DeltaError);
  });

  test('maxResultSize is checked before allocating', () => {
    expect(() => applyDelta(base, new Uint8Array([10, 20, 0x90, 20]), 10)).toThrow(/too large/);
  });

  test('random deltas never throw anything but DeltaError', () => {
    const r = rand(11);
    for (let i = 0; i < 2000; i++) {
      const d = new Uint8Array(r() % 40).map(r);
      if (d.length > 0) d[0] = 10; // often pass the base-size check
      try {
        applyDelta(base, d);
      } catch (e) {
        expect(e).toBeInstanceOf(DeltaError);
      }
    }
  });
});
