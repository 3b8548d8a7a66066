/**
 * An isolate's own memory as the tier in front of the edge cache. A Worker isolate serves many
 * requests one after another, and what it keeps in a module-level map costs no lookup at all,
 * where an edge-cache `match` is a round trip to the location's cache. Entries are bounded by
 * total bytes (least recently used go first), by size each, and by age; a miss simply falls
 * through to the edge cache, so nothing depends on an entry being here. Only what may enter the
 * shared edge cache may enter this tier (public repositories' data; callers decide).
 */

interface Entry<V> {
  value: V;
  bytes: number;
  expires: number;
}

export class MemoryTier<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private total = 0;

  constructor(
    /** Total bytes held at most. */
    readonly maxBytes: number,
    /** Larger values are not kept. */
    readonly maxEntryBytes: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.total;
  }

  /** The value under `key` unless it expired; a hit becomes the most recently used. */
  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= now) {
      this.total -= e.bytes;
      return undefined;
    }
    this.entries.set(key, e);
    return e.value;
  }

  /** Keeps `value` (of about `bytes`) until `expires` (ms since the epoch) or until evicted. */
  set(key: string, value: V, bytes: number, expires: number): void {
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

  delete(key: string): void {
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
