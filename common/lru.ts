/**
 * The one least-recently-used cache: bounded by the total bytes of what it holds (least
 * recently used entries go first), by the bytes of one entry (larger values are not kept), and,
 * when an entry is given a deadline, by age. Pure and synchronous. The pack reader and indexer
 * keep inflated delta bases in one per pack; the Worker keeps its isolate memory tiers
 * (workers/services/cache/memory-cache.ts) in two.
 */

interface Entry<V> {
  value: V;
  bytes: number;
  /** ms since the epoch; Infinity for an entry that only eviction removes. */
  expires: number;
}

export class Lru<K, V> {
  private readonly entries = new Map<K, Entry<V>>();
  private total = 0;

  constructor(
    /** Total bytes held at most. */
    readonly maxBytes: number,
    /** Larger values are not kept. */
    readonly maxEntryBytes: number = maxBytes,
  ) {}

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes held. */
  get bytes(): number {
    return this.total;
  }

  /**
   * The value under `key` unless it expired (at `now`, the clock when omitted; entries without
   * a deadline never read it); a hit becomes the most recently used.
   */
  get(key: K, now?: number): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires !== Infinity && e.expires <= (now ?? Date.now())) {
      this.total -= e.bytes;
      return undefined;
    }
    this.entries.set(key, e);
    return e.value;
  }

  /** Keeps `value` (of about `bytes`) until `expires` (ms since the epoch) or until evicted. */
  set(key: K, value: V, bytes: number, expires = Infinity): void {
    this.delete(key);
    if (bytes > this.maxEntryBytes || bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes, expires });
    this.total += bytes;
    // A Map iterates in insertion order, and get() re-inserts: the first key is the oldest use.
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  delete(key: K): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.total -= e.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
