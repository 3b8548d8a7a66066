import { describe, expect, it } from 'vitest';
import { ByteLru } from './byte-lru';

/** The obvious model: an array ordered from least to most recently used. */
class Model {
  entries: Array<[number, Uint8Array]> = [];
  constructor(private readonly max: number) {}
  get(k: number) {
    const i = this.entries.findIndex(([key]) => key === k);
    if (i < 0) return undefined;
    const [e] = this.entries.splice(i, 1);
    this.entries.push(e as [number, Uint8Array]);
    return e?.[1];
  }
  set(k: number, v: Uint8Array) {
    this.delete(k);
    if (v.length > this.max) return;
    this.entries.push([k, v]);
    while (this.size() > this.max) this.entries.shift();
  }
  delete(k: number) {
    this.entries = this.entries.filter(([key]) => key !== k);
  }
  size() {
    return this.entries.reduce((n, [, v]) => n + v.length, 0);
  }
}

describe('ByteLru', () => {
  it('behaves as the model under random gets, sets and deletes, never over budget', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const max of [0, 1, 100, 1000]) {
      const lru = new ByteLru<number>(max);
      const model = new Model(max);
      for (let step = 0; step < 5000; step++) {
        const k = rand(40);
        const op = rand(10);
        if (op < 4) expect(lru.get(k), `step ${step}`).toBe(model.get(k));
        else if (op < 9) {
          const v = new Uint8Array(rand(max + 50));
          lru.set(k, v);
          model.set(k, v);
        } else {
          lru.delete(k);
          model.delete(k);
        }
        expect(lru.size).toBe(model.size());
        expect(lru.size).toBeLessThanOrEqual(max);
        expect(lru.count).toBe(model.entries.length);
      }
    }
  });

  it('evicts the least recently used first, a hit counting as a use', () => {
    const lru = new ByteLru<string>(30);
    lru.set('a', new Uint8Array(10));
    lru.set('b', new Uint8Array(10));
    lru.set('c', new Uint8Array(10));
    expect(lru.get('a')).toBeDefined();
    lru.set('d', new Uint8Array(10));
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')].every(Boolean)).toBe(true);
  });

  it('does not keep a value larger than the budget, nor an older value under its key', () => {
    const lru = new ByteLru<string>(10);
    lru.set('a', new Uint8Array(5));
    lru.set('a', new Uint8Array(11));
    expect(lru.get('a')).toBeUndefined();
    expect(lru.size).toBe(0);
  });
});
