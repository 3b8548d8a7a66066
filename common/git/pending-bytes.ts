/**
 * The bytes of a pack unit (entry, header, trailer) that straddles the chunks pushed to the pass-1
 * indexer, from the unit's first byte: a growable buffer that gives back its room after a large
 * entry.
 */
export class PendingBytes {
  bytes = new Uint8Array(0);
  length = 0;
  /** Pack offset of `bytes[0]`. */
  at = 0;

  /** Appends `src[start..end)`. */
  append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.length + n > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n, 256));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src.subarray(start, end), this.length);
    this.length += n;
  }

  /** Drops the first `n` bytes. */
  drop(n: number): void {
    if (n === 0) return;
    this.bytes.copyWithin(0, n, this.length);
    this.length -= n;
    this.at += n;
    if (this.bytes.length > 1 << 20 && this.length < this.bytes.length / 8) {
      this.bytes = this.bytes.slice(0, Math.max(this.length * 2, 64 * 1024));
    }
  }

  /** Empties the buffer, releasing its memory. */
  clear(): void {
    this.bytes = new Uint8Array(0);
    this.length = 0;
  }
}
