import { describe, expect, it } from 'vitest';
import { Lru } from './lru';

describe('Lru', () => {
  it('returns what it holds until it expires', () => {
    const t = new Lru<string, string>(100, 50);
    t.set('a', 'A', 10, 1000);
    expect(t.get('a', 999)).toBe('A');
    expect(t.get('a', 1000)).toBeUndefined();
    expect(t.size).toBe(0);
    expect(t.bytes).toBe(0);
  });

  it('evicts the least recently used first to stay within its bytes', () => {
    const t = new Lru<string, string>(30, 30);
    t.set('a', 'A', 10, Infinity);
    t.set('b', 'B', 10, Infinity);
    t.set('c', 'C', 10, Infinity);
    expect(t.get('a')).toBe('A'); // now b is the oldest use
    t.set('d', 'D', 10, Infinity);
    expect(t.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => t.get(k))).toEqual(['A', 'C', 'D']);
    expect(t.bytes).toBe(30);
  });

  it('keeps no value larger than an entry may be, and replaces on set', () => {
    const t = new Lru<string, string>(100, 20);
    t.set('big', 'X', 21, Infinity);
    expect(t.get('big')).toBeUndefined();
    t.set('k', 'one', 15, Infinity);
    t.set('k', 'two', 5, Infinity);
    expect(t.get('k')).toBe('two');
    expect(t.bytes).toBe(5);
    t.set('k', 'huge', 50, Infinity); // too large: the old value goes too
    expect(t.get('k')).toBeUndefined();
    expect(t.bytes).toBe(0);
    t.set('x', 'X', 5, Infinity);
    t.delete('x');
    t.delete('x');
    expect(t.bytes).toBe(0);
    t.set('y', 'Y', 5, Infinity);
    t.clear();
    expect([t.size, t.bytes]).toEqual([0, 0]);
  });

  it('behaves as a plain model under random gets, sets and deletes, never over its bytes', () => {
    // The model: an array from least to most recently used.
    let model: Array<[number, number]> = [];
    const modelSet = (k: number, bytes: number, max: number) => {
      model = model.filter(([key]) => key !== k);
      if (bytes > max) return;
      model.push([k, bytes]);
      while (model.reduce((n, [, b]) => n + b, 0) > max) model.shift();
    };
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const max of [0, 1, 100, 1000]) {
      const t = new Lru<number, number>(max);
      model = [];
      for (let step = 0; step < 5000; step++) {
        const k = rand(40);
        const op = rand(10);
        if (op < 4) {
          const i = model.findIndex(([key]) => key === k);
          const hit = i >= 0 ? (model.splice(i, 1)[0] as [number, number]) : undefined;
          if (hit) model.push(hit);
          expect(t.get(k), `step ${step}`).toBe(hit?.[1]);
        } else if (op < 9) {
          const bytes = rand(max + 50);
          t.set(k, bytes, bytes);
          modelSet(k, bytes, max);
        } else {
          t.delete(k);
          model = model.filter(([key]) => key !== k);
        }
        expect(t.bytes).toBe(model.reduce((n, [, b]) => n + b, 0));
        expect(t.bytes).toBeLessThanOrEqual(max);
        expect(t.size).toBe(model.length);
      }
    }
  });
});
