/**
 * A latency histogram in 0.1 ms buckets up to 60 s, mergeable across worker threads (the bucket
 * array is plain data that a thread posts back).
 */
export class Histogram {
  readonly buckets = new Uint32Array(600_001);
  count = 0;

  add(ms: number): void {
    this.buckets[Math.min(600_000, Math.max(0, Math.round(ms * 10)))]! += 1;
    this.count++;
  }

  /** Adds another histogram's buckets (e.g. posted back by a viewer thread). */
  merge(buckets: Uint32Array): void {
    for (let i = 0; i < buckets.length; i++) {
      const n = buckets[i]!;
      if (n === 0) continue;
      this.buckets[i]! += n;
      this.count += n;
    }
  }

  quantile(q: number): number {
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return i / 10;
    }
    return NaN;
  }
}
