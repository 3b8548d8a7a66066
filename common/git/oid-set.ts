/**
 * A set of raw 20-byte object ids in one growable typed array (open addressing, linear probing),
 * for the push connectivity check: a large push names millions of links (tree entries, parents),
 * and a Set of hex strings costs a string and a hash entry each plus the garbage collector's time.
 * The ids come from the pusher (tree entries need not name real objects), so slots are chosen by
 * a multiply-shift hash with random keys: ids crafted to share a prefix do not pile into one run.
 */
import { compareBytes, toHex } from './bytes';

const EMPTY_SLOT = -1;

export class OidSet {
  /** Ids in insertion order, 20 bytes each. */
  private ids: Uint8Array;
  /** Slot → index into `ids`, or -1. Its length is a power of two. */
  private slots: Int32Array;
  private n = 0;
  /** 32 − log2(slots.length): the hash's top bits pick the slot. */
  private shift: number;
  private readonly keys = crypto.getRandomValues(new Uint32Array(6));

  constructor(expected = 1024) {
    let cap = 1024;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap).fill(EMPTY_SLOT);
    this.shift = 32 - Math.log2(cap);
    this.ids = new Uint8Array(Math.max(16, expected) * 20);
  }

  /** Number of distinct ids. */
  get size(): number {
    return this.n;
  }

  /** Adds `src[at..at+20)`. */
  add(src: Uint8Array, at = 0): void {
    const mask = this.slots.length - 1;
    let s = this.hashAt(src, at);
    for (;;) {
      const k = this.slots[s] as number;
      if (k === EMPTY_SLOT) break;
      if (compareBytes(this.ids, k * 20, src, at, 20) === 0) return;
      s = (s + 1) & mask;
    }
    if ((this.n + 1) * 20 > this.ids.length) {
      const grown = new Uint8Array(this.ids.length * 2);
      grown.set(this.ids);
      this.ids = grown;
    }
    this.ids.set(src.subarray(at, at + 20), this.n * 20);
    this.slots[s] = this.n++;
    if (this.n * 2 > this.slots.length) this.rehash();
  }

  /** Whether `src[at..at+20)` is in the set. */
  has(src: Uint8Array, at = 0): boolean {
    const mask = this.slots.length - 1;
    let s = this.hashAt(src, at);
    for (;;) {
      const k = this.slots[s] as number;
      if (k === EMPTY_SLOT) return false;
      if (compareBytes(this.ids, k * 20, src, at, 20) === 0) return true;
      s = (s + 1) & mask;
    }
  }

  /** Calls `fn` with each id (a view into the set, valid during the call) until it returns false. */
  forEach(fn: (ids: Uint8Array, at: number) => boolean | void): void {
    for (let i = 0; i < this.n; i++) if (fn(this.ids, i * 20) === false) return;
  }

  /**
   * The longest run of occupied slots, which bounds the probes of any lookup (tests: crafted ids
   * must spread, not pile into one run).
   */
  longestRun(): number {
    let longest = 0;
    let run = 0;
    // Twice round, so a run that wraps past the end counts whole.
    for (let i = 0; i < this.slots.length * 2; i++) {
      run = this.slots[i & (this.slots.length - 1)] === EMPTY_SLOT ? 0 : run + 1;
      longest = Math.max(longest, run);
    }
    return Math.min(longest, this.n);
  }

  /** The ids as hex strings (tests, messages). */
  hexes(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.n; i++) out.push(toHex(this.ids.subarray(i * 20, i * 20 + 20)));
    return out;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2).fill(EMPTY_SLOT);
    const mask = slots.length - 1;
    this.shift--;
    for (let i = 0; i < this.n; i++) {
      let s = this.hashAt(this.ids, i * 20);
      while (slots[s] !== EMPTY_SLOT) s = (s + 1) & mask;
      slots[s] = i;
    }
    this.slots = slots;
  }

  private hashAt(b: Uint8Array, at: number): number {
    const k = this.keys;
    let h = k[5] as number;
    for (let w = 0; w < 5; w++) {
      const o = at + 4 * w;
      const word =
        ((b[o] as number) << 24) |
        ((b[o + 1] as number) << 16) |
        ((b[o + 2] as number) << 8) |
        (b[o + 3] as number);
      h = (h + Math.imul(word, (k[w] as number) | 1)) | 0;
    }
    return h >>> this.shift;
  }
}
