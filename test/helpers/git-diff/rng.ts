/**
 * A small seeded pseudo-random generator (mulberry32) for reproducible test runs: the same seed
 * gives the same sequence on every machine, so a failing run can be replayed from its seed.
 */

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An element chosen by weight; weights need not sum to 1. */
  weighted<T>(items: ReadonlyArray<readonly [T, number]>): T {
    const total = items.reduce((n, [, w]) => n + w, 0);
    let r = this.next() * total;
    for (const [item, w] of items) {
      r -= w;
      if (r < 0) return item;
    }
    const last = items[items.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }
}

/** A seed from PLUE_DIFF_SEED (decimal or 0x-hex), or a fresh random one. */
export function seedFromEnv(value: string | undefined): number {
  if (value !== undefined && value.trim() !== '') {
    const n = Number(value.trim());
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff)
      throw new Error(`PLUE_DIFF_SEED must be an integer in [0, 2^32): ${value}`);
    return n;
  }
  return Math.floor(Math.random() * 0x100000000);
}
