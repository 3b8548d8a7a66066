/**
 * Pack index v2 (gitformat-pack): fan-out table, sorted oids, CRC32s, 31-bit offsets with a
 * 64-bit overflow table, pack checksum, idx checksum. Writing reproduces `git index-pack`'s bytes;
 * `PackIndex` answers oid → offset by binary search without copying the tables.
 */
import { compareBytes, fromHex, readU32, toHex, writeU32 } from './bytes';
import { PackError } from './errors';
import { sha1 } from './native';

const MAGIC = [0xff, 0x74, 0x4f, 0x63];

/** Builds an idx v2 for `entries` (any order) of the pack whose trailer is `packChecksum`. */
export function writeIdxV2(
  entries: ReadonlyArray<{ oid: string; offset: number; crc32: number }>,
  packChecksum: Uint8Array,
): Uint8Array {
  const n = entries.length;
  const ids = new Uint8Array(n * 20);
  const offsets = new Float64Array(n);
  const crcs = new Uint32Array(n);
  entries.forEach((e, i) => {
    const oid = fromHex(e.oid);
    if (!oid || oid.length !== 20) throw new PackError(`bad oid ${e.oid}`);
    ids.set(oid, i * 20);
    offsets[i] = e.offset;
    crcs[i] = e.crc32 >>> 0;
  });
  return writeIdxV2Raw(n, ids, offsets, crcs, packChecksum);
}

/**
 * Builds an idx v2 from parallel arrays (any order): `ids` holds 20 bytes per object, `offsets`
 * and `crcs` one value each. What pass 2 of indexing produces, with no hex strings.
 */
export function writeIdxV2Raw(
  n: number,
  ids: Uint8Array,
  offsets: ArrayLike<number>,
  crcs: ArrayLike<number>,
  packChecksum: Uint8Array,
): Uint8Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => compareBytes(ids, a * 20, ids, b * 20, 20));
  let large = 0;
  for (let i = 0; i < n; i++) if ((offsets[i] as number) >= 0x80000000) large++;
  const size = 8 + 1024 + n * 28 + large * 8 + 40;
  const out = new Uint8Array(size);
  out.set(MAGIC, 0);
  writeU32(out, 4, 2);
  const namesAt = 8 + 1024;
  const crcAt = namesAt + n * 20;
  const offAt = crcAt + n * 4;
  const largeAt = offAt + n * 4;
  const counts = new Uint32Array(256);
  let nextLarge = 0;
  for (let i = 0; i < n; i++) {
    const j = order[i] as number;
    const first = ids[j * 20] as number;
    counts[first] = (counts[first] as number) + 1;
    out.set(ids.subarray(j * 20, j * 20 + 20), namesAt + i * 20);
    writeU32(out, crcAt + i * 4, (crcs[j] as number) >>> 0);
    const offset = offsets[j] as number;
    if (offset >= 0x80000000) {
      writeU32(out, offAt + i * 4, (0x80000000 | nextLarge) >>> 0);
      const at = largeAt + nextLarge * 8;
      writeU32(out, at, Math.floor(offset / 2 ** 32));
      writeU32(out, at + 4, offset >>> 0);
      nextLarge++;
    } else {
      writeU32(out, offAt + i * 4, offset);
    }
  }
  let total = 0;
  for (let b = 0; b < 256; b++) {
    total += counts[b] as number;
    writeU32(out, 8 + b * 4, total);
  }
  const trailerAt = largeAt + large * 8;
  out.set(packChecksum.subarray(0, 20), trailerAt);
  out.set(sha1(out.subarray(0, trailerAt + 20)), trailerAt + 20);
  return out;
}

/** A parsed pack index v2 (views into the original bytes). */
export class PackIndex {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly n: number,
  ) {}

  /** Parses and validates idx bytes; `verifyChecksum` (default true) checks the trailing SHA-1. */
  static parse(bytes: Uint8Array, opts: { verifyChecksum?: boolean } = {}): PackIndex {
    if (bytes.length < 8 + 1024 + 40) throw new PackError('truncated pack index');
    if (MAGIC.some((m, i) => bytes[i] !== m)) throw new PackError('bad pack index signature');
    if (readU32(bytes, 4) !== 2) throw new PackError('unsupported pack index version');
    let prev = 0;
    for (let b = 0; b < 256; b++) {
      const c = readU32(bytes, 8 + b * 4);
      if (c < prev) throw new PackError('bad pack index fan-out table');
      prev = c;
    }
    const n = prev;
    const minSize = 8 + 1024 + n * 28 + 40;
    if (bytes.length < minSize) throw new PackError('truncated pack index');
    const large = bytes.length - minSize;
    if (large % 8 !== 0) throw new PackError('bad pack index size');
    const idx = new PackIndex(bytes, n);
    for (let i = 0; i < n; i++) {
      const o = readU32(bytes, idx.offAt + i * 4);
      if (o & 0x80000000 && (o & 0x7fffffff) >= large / 8) {
        throw new PackError('bad pack index large offset');
      }
      if (
        i > 0 &&
        compareBytes(bytes, idx.namesAt + (i - 1) * 20, bytes, idx.namesAt + i * 20, 20) > 0
      ) {
        throw new PackError('pack index names not sorted');
      }
    }
    if (opts.verifyChecksum ?? true) {
      const sum = sha1(bytes.subarray(0, bytes.length - 20));
      if (compareBytes(sum, 0, bytes, bytes.length - 20, 20) !== 0) {
        throw new PackError('pack index checksum mismatch');
      }
    }
    return idx;
  }

  private get namesAt(): number {
    return 8 + 1024;
  }
  private get crcAt(): number {
    return this.namesAt + this.n * 20;
  }
  private get offAt(): number {
    return this.crcAt + this.n * 4;
  }

  /** Number of objects. */
  get count(): number {
    return this.n;
  }

  /** SHA-1 trailer of the pack this index belongs to. */
  get packChecksum(): Uint8Array {
    return this.bytes.slice(this.bytes.length - 40, this.bytes.length - 20);
  }

  /** Position of `oid` in sorted order, or -1. */
  private find(oid: string): number {
    const key = fromHex(oid);
    if (!key || key.length !== 20) return -1;
    return this.findBytes(key, 0);
  }

  /** Position of the id `key[at..at+20)` in sorted order, or -1. */
  private findBytes(key: Uint8Array, at: number): number {
    const first = key[at] as number;
    let lo = first === 0 ? 0 : readU32(this.bytes, 8 + (first - 1) * 4);
    let hi = readU32(this.bytes, 8 + first * 4);
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareBytes(this.bytes, this.namesAt + mid * 20, key, at, 20);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -1;
  }

  private offsetAt(i: number): number {
    const o = readU32(this.bytes, this.offAt + i * 4);
    if (!(o & 0x80000000)) return o;
    const at = this.offAt + this.n * 4 + (o & 0x7fffffff) * 8;
    return readU32(this.bytes, at) * 2 ** 32 + readU32(this.bytes, at + 4);
  }

  /** Pack offset of `oid`, or undefined. */
  lookup(oid: string): number | undefined {
    const i = this.find(oid);
    return i < 0 ? undefined : this.offsetAt(i);
  }

  /** Whether the pack holds `oid`. */
  has(oid: string): boolean {
    return this.find(oid) >= 0;
  }

  /** Whether the pack holds the object whose raw id is `key[at..at+20)`. */
  hasBytes(key: Uint8Array, at = 0): boolean {
    return this.findBytes(key, at) >= 0;
  }

  /** CRC32 of the raw entry of `oid`, or undefined. */
  crc32(oid: string): number | undefined {
    const i = this.find(oid);
    return i < 0 ? undefined : readU32(this.bytes, this.crcAt + i * 4);
  }

  /** Calls `fn(bytes, at)` with each raw id (20 bytes at `at`) in sorted order. */
  forEachId(fn: (bytes: Uint8Array, at: number) => void): void {
    for (let i = 0; i < this.n; i++) fn(this.bytes, this.namesAt + i * 20);
  }

  /** Every entry's pack offset, ascending. */
  sortedOffsets(): Float64Array {
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.offsetAt(i);
    return out.sort();
  }

  /** An oid listed twice (a pack that holds one object twice), or undefined. */
  firstDuplicate(): string | undefined {
    for (let i = 1; i < this.n; i++) {
      const at = this.namesAt + i * 20;
      if (compareBytes(this.bytes, at - 20, this.bytes, at, 20) === 0) {
        return toHex(this.bytes.subarray(at, at + 20));
      }
    }
    return undefined;
  }

  /** All oids in sorted order. */
  *oids(): Iterable<string> {
    for (let i = 0; i < this.n; i++) {
      yield toHex(this.bytes.subarray(this.namesAt + i * 20, this.namesAt + i * 20 + 20));
    }
  }

  /** All entries (oid, offset, crc32) in oid order. */
  *entries(): Iterable<{ oid: string; offset: number; crc32: number }> {
    for (let i = 0; i < this.n; i++) {
      const at = this.namesAt + i * 20;
      yield {
        oid: toHex(this.bytes.subarray(at, at + 20)),
        offset: this.offsetAt(i),
        crc32: readU32(this.bytes, this.crcAt + i * 4),
      };
    }
  }
}
