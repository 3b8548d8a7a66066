/**
 * A least-recently-used cache of byte arrays bounded by their total size, used to keep inflated
 * delta bases while resolving a pack. Entries larger than the whole budget are not cached.
 */
export class ByteLru<K> {
  private readonly map = new Map<K, Uint8Array>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** Bytes currently held. */
  get size(): number {
    return this.total;
  }

  /** The value for `key`, marking it most recently used. */
  get(key: K): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** Stores `value`, evicting least recently used entries to stay within the budget. */
  set(key: K, value: Uint8Array): void {
    if (this.map.size > 0) this.delete(key);
    if (value.length > this.maxBytes) return;
    this.map.set(key, value);
    this.total += value.length;
    if (this.total <= this.maxBytes) return;
    for (const [k, v] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= v.length;
    }
  }

  /** Removes `key`. */
  delete(key: K): void {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.total -= v.length;
    }
  }
}
