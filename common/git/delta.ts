/**
 * Git delta data (gitformat-pack "Deltified representation"): base size, result size, then copy
 * and insert instructions. `applyDelta` checks every bound so a hostile pack cannot read outside
 * the base or produce more than it declared. `createDelta` makes simple deltas (for tests and
 * for packs we write); it is correct but not as compact as git's.
 */
import { DeltaError } from './errors';

export { DeltaError };

/** Reads a little-endian base-128 size at `pos`; returns [value, nextPos]. */
function readSize(delta: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= delta.length) throw new DeltaError('truncated delta header');
    const b = delta[pos++] as number;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [value, pos];
    if (shift > 49) throw new DeltaError('delta size too large');
  }
}

/** The base and result sizes declared by a delta's header. */
export function deltaSizes(delta: Uint8Array): { baseSize: number; resultSize: number } {
  const [baseSize, p] = readSize(delta, 0);
  const [resultSize] = readSize(delta, p);
  return { baseSize, resultSize };
}

/**
 * Applies `delta` to `base`; throws DeltaError on any inconsistency, or when the declared result
 * is larger than `maxResultSize` (checked before allocating).
 */
export function applyDelta(
  base: Uint8Array,
  delta: Uint8Array,
  maxResultSize = Number.MAX_SAFE_INTEGER,
): Uint8Array {
  const [baseSize, p1] = readSize(delta, 0);
  if (baseSize !== base.length) {
    throw new DeltaError(`delta base size mismatch: expected ${baseSize}, base has ${base.length}`);
  }
  const [resultSize, p2] = readSize(delta, p1);
  if (resultSize > maxResultSize)
    throw new DeltaError(`delta result too large (${resultSize} bytes)`);
  // Each instruction byte yields at most 0x10000 bytes: a larger declared size is a lie.
  if (resultSize > (delta.length - p2) * 0x10000) {
    throw new DeltaError('delta result size larger than its instructions can produce');
  }
  const out = new Uint8Array(resultSize);
  let o = 0;
  let pos = p2;
  while (pos < delta.length) {
    const op = delta[pos++] as number;
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) {
        if (op & (1 << i)) {
          if (pos >= delta.length) throw new DeltaError('truncated copy instruction');
          off += (delta[pos++] as number) * 2 ** (8 * i);
        }
      }
      for (let i = 0; i < 3; i++) {
        if (op & (16 << i)) {
          if (pos >= delta.length) throw new DeltaError('truncated copy instruction');
          size |= (delta[pos++] as number) << (8 * i);
        }
      }
      if (size === 0) size = 0x10000;
      if (off + size > base.length) throw new DeltaError('delta copy out of base range');
      if (o + size > resultSize) throw new DeltaError('delta result larger than declared');
      out.set(base.subarray(off, off + size), o);
      o += size;
    } else if (op !== 0) {
      if (pos + op > delta.length) throw new DeltaError('truncated insert instruction');
      if (o + op > resultSize) throw new DeltaError('delta result larger than declared');
      out.set(delta.subarray(pos, pos + op), o);
      o += op;
      pos += op;
    } else {
      throw new DeltaError('reserved delta instruction 0');
    }
  }
  if (o !== resultSize) throw new DeltaError(`delta result size mismatch: ${o} of ${resultSize}`);
  return out;
}

function writeSize(out: number[], n: number): void {
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function pushCopy(out: number[], off: number, size: number): void {
  while (size > 0) {
    const n = Math.min(size, 0x10000);
    const bytes: number[] = [];
    let op = 0x80;
    for (let i = 0; i < 4; i++) {
      const b = Math.floor(off / 2 ** (8 * i)) & 255;
      if (b) {
        op |= 1 << i;
        bytes.push(b);
      }
    }
    const sz = n === 0x10000 ? 0 : n;
    for (let i = 0; i < 3; i++) {
      const b = (sz >> (8 * i)) & 255;
      if (b) {
        op |= 16 << i;
        bytes.push(b);
      }
    }
    out.push(op, ...bytes);
    off += n;
    size -= n;
  }
}

function pushInsert(out: number[], data: Uint8Array, start: number, end: number): void {
  for (let at = start; at < end; at += 127) {
    const n = Math.min(127, end - at);
    out.push(n);
    for (let i = 0; i < n; i++) out.push(data[at + i] as number);
  }
}

const BLOCK = 16;

/** Makes a delta turning `base` into `target` (block-hash matching, greedy extension). */
export function createDelta(base: Uint8Array, target: Uint8Array): Uint8Array {
  const out: number[] = [];
  writeSize(out, base.length);
  writeSize(out, target.length);
  const index = new Map<string, number>();
  const key = (b: Uint8Array, at: number) => String.fromCharCode(...b.subarray(at, at + BLOCK));
  for (let i = 0; i + BLOCK <= base.length; i += BLOCK) {
    const k = key(base, i);
    if (!index.has(k)) index.set(k, i);
  }
  let pending = 0;
  let t = 0;
  while (t < target.length) {
    const at = t + BLOCK <= target.length ? index.get(key(target, t)) : undefined;
    if (at === undefined) {
      t++;
      continue;
    }
    let len = BLOCK;
    while (at + len < base.length && t + len < target.length && base[at + len] === target[t + len])
      len++;
    pushInsert(out, target, pending, t);
    pushCopy(out, at, len);
    t += len;
    pending = t;
  }
  pushInsert(out, target, pending, target.length);
  return new Uint8Array(out);
}
