/**
 * The one least-recently-used cache: bounded by the total bytes of what it holds (least
 * recently used entries go first), by the bytes of one entry (larger values are not kept), and,
 * when an entry is given a deadline, by age. Pure and synchronous. The pack reader and indexer
 * keep inflated delta bases in one per pack; the Worker keeps its isolate memory tiers
 * (workers/services/cache/memory-cache.ts) in two.
 *
 * Recency is a doubly linked list through the entries, so a hit relinks one node. (Moving a key
 * to the end of a Map by delete and set leaves a hole at the Map's front per hit, which every
 * eviction scan walks over again: a push's pack indexing, a hit per delta, spent more time there
 * than in hashing its trees.)
 */

interface Entry<K, V> {
  key: K;
  value: V;
  bytes: number;
  /** ms since the epoch; Infinity for an entry that only eviction removes. */
  expires: number;
  prev: Entry<K, V> | undefined;
  next: Entry<K, V> | undefined;
}

export class Lru<K, V> {
  private readonly entries = new Map<K, Entry<K, V>>();
  /** Least recently used. */
  private head: Entry<K, V> | undefined;
  /** Most recently used. */
  private tail: Entry<K, V> | undefined;
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
    if (e.expires !== Infinity && e.expires <= (now ?? Date.now())) {
      this.remove(e);
      return undefined;
    }
    if (e !== this.tail) {
      this.unlink(e);
      this.append(e);
    }
    return e.value;
  }

  /** Keeps `value` (of about `bytes`) until `expires` (ms since the epoch) or until evicted. */
  set(key: K, value: V, bytes: number, expires = Infinity): void {
    this.delete(key);
    if (bytes > this.maxEntryBytes || bytes > this.maxBytes) return;
    const e: Entry<K, V> = { key, value, bytes, expires, prev: undefined, next: undefined };
    this.entries.set(key, e);
    this.append(e);
    this.total += bytes;
    while (this.total > this.maxBytes && this.head) this.remove(this.head);
  }

  delete(key: K): void {
    const e = this.entries.get(key);
    if (e) this.remove(e);
  }

  clear(): void {
    this.entries.clear();
    this.head = undefined;
    this.tail = undefined;
    this.total = 0;
  }

  private remove(e: Entry<K, V>): void {
    this.unlink(e);
    this.entries.delete(e.key);
    this.total -= e.bytes;
  }

  private append(e: Entry<K, V>): void {
    e.prev = this.tail;
    e.next = undefined;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
  }

  private unlink(e: Entry<K, V>): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = undefined;
    e.next = undefined;
  }
}
