/**
 * The runtime's own zlib and SHA-1 for the git codecs: `node:zlib` and `node:crypto`, which the
 * Worker has through `nodejs_compat` (workerd implements both in C++, as Node does). They are 5–10×
 * faster than the JavaScript ones (pako, @noble/hashes) on pack-sized work.
 *
 * Finding where a pack entry's zlib stream ends needs the input it consumed. `inflateSync(…,
 * {info: true})` reports it (`engine.bytesWritten`), but in workerd it builds a stream engine per
 * call (~45 µs, ten times the inflate of a typical tree or commit), so small entries take the fast
 * path instead: inflate (trailing bytes are ignored), then locate the stream's Adler-32 trailer in
 * the input and confirm the end by inflating exactly up to it — a cut-short stream fails with
 * "unexpected end of file" in Node and workerd (pinned by workerd.test.ts), so the first candidate
 * that inflates completely is the end.
 *
 * pako stays (zlib.ts) for what one-shot calls cannot do in bounded memory: streaming the inflate
 * of an entry too large to buffer while its bytes arrive.
 */
import { createHash, type Hash } from 'node:crypto';
import { constants, crc32 as nodeCrc32, deflateSync, inflateSync } from 'node:zlib';
import { ZlibDataError } from './errors';

export { ZlibDataError };

/** Incremental SHA-1. */
export class Sha1 {
  private constructor(private readonly h: Hash) {}

  static create(): Sha1 {
    return new Sha1(createHash('sha1'));
  }

  update(data: Uint8Array): this {
    this.h.update(data);
    return this;
  }

  /** The 20-byte digest; the hash cannot be updated afterwards. */
  digest(): Uint8Array {
    // A copy through the typed-array constructor: `Uint8Array.from` walks the Buffer's iterator.
    return new Uint8Array(this.h.digest());
  }

  /** The digest as lower-case hex. */
  digestHex(): string {
    return this.h.digest('hex');
  }

  /** An independent copy of the current state. */
  copy(): Sha1 {
    return new Sha1(this.h.copy());
  }
}

/** SHA-1 of the concatenation of `parts`. */
export function sha1(...parts: Uint8Array[]): Uint8Array {
  const h = Sha1.create();
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Hex SHA-1 of the concatenation of `parts`. */
export function sha1Hex(...parts: Uint8Array[]): string {
  const h = Sha1.create();
  for (const p of parts) h.update(p);
  return h.digestHex();
}

/** Continues CRC-32 `crc` (0 to start) over `data`. */
export function crc32(data: Uint8Array, crc = 0): number {
  return nodeCrc32(data, crc) >>> 0;
}

/** Deflates `data` into one zlib stream (level 1 = fastest … 9 = smallest; git uses 6). */
export function deflate(data: Uint8Array, level = 6): Uint8Array {
  return own(deflateSync(data, { level }));
}

/**
 * Entries up to this inflated size take the fast path of `inflateStreamAt`; above it the
 * engine's fixed cost (~45 µs in workerd) is less than a second inflate.
 */
const FAST_MAX = 16 * 1024;
/** Trailer candidates tried before falling back to the engine that counts its input. */
const MAX_CANDIDATES = 4;

/**
 * Inflates `input`, which starts with one zlib stream (bytes after its end are ignored) declared
 * to inflate to `maxSize` bytes; the output may be somewhat longer, the caller checks its length.
 * Returns undefined when `input` ends before the stream does. Throws ZlibDataError for anything
 * that is not a valid stream or inflates far past `maxSize`.
 */
export function inflatePrefix(input: Uint8Array, maxSize: number): Uint8Array | undefined {
  try {
    return inflateSync(input, { maxOutputLength: limit(maxSize), chunkSize: chunk(maxSize) });
  } catch (e) {
    return truncatedOrThrow(e);
  }
}

/** Like `inflatePrefix`, but the result is owned memory (safe to cache) and must be `size` long. */
export function inflateExact(input: Uint8Array, size: number): Uint8Array {
  const out = inflatePrefix(input, size);
  if (!out) throw new ZlibDataError('zlib stream truncated');
  if (out.length > size) throw new ZlibDataError('inflated data longer than declared size');
  if (out.length !== size) {
    throw new ZlibDataError(`inflated to ${out.length} bytes, header says ${size}`);
  }
  return own(out);
}

/**
 * Inflates the zlib stream at `buf[start..end)` whose declared output is `size` bytes and says how
 * many input bytes it used. Undefined when the stream continues past `end`. The output may differ
 * from `size` in length (the caller reports that); it is only valid until the next call.
 */
export function inflateStreamAt(
  buf: Uint8Array,
  start: number,
  end: number,
  size: number,
): { output: Uint8Array; consumed: number } | undefined {
  const input = buf.subarray(start, end);
  // Enough input for any stream git writes: the counting engine settles it in one call.
  if (size > FAST_MAX && input.length >= deflateBound(size)) return inflateCounting(input, size);
  // A sync flush instead of a finish: input that ends early is no error (errors cost ~20 µs in
  // workerd, 80 µs in Node), it just yields less output.
  let output: Uint8Array;
  try {
    output = inflateSync(input, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: limit(size),
      chunkSize: chunk(size),
    });
  } catch (e) {
    return truncatedOrThrow(e);
  }
  if (output.length > size) throw new ZlibDataError('inflated data longer than declared size');
  const a = adler32(output);
  const b0 = a >>> 24;
  const b1 = (a >>> 16) & 255;
  const b2 = (a >>> 8) & 255;
  const b3 = a & 255;
  let tries = 0;
  // The shortest zlib stream is 8 bytes (2 header, 2 deflate, 4 Adler-32).
  for (let q = 4; q + 4 <= input.length; q++) {
    if (input[q] !== b0 || input[q + 1] !== b1 || input[q + 2] !== b2 || input[q + 3] !== b3)
      continue;
    if (++tries > MAX_CANDIDATES) return inflateCounting(input, size);
    const again = inflatePrefix(input.subarray(0, q + 4), size);
    if (again && again.length === output.length) return { output, consumed: q + 4 };
  }
  return undefined; // the stream goes on past `end`
}

/** The most input git's zlib (any level) makes of `size` bytes: stored blocks plus framing. */
export function deflateBound(size: number): number {
  return size + Math.floor(size / 1024) + 64;
}

/** Inflate through the engine that reports consumed input (one engine per call). */
function inflateCounting(
  input: Uint8Array,
  size: number,
): { output: Uint8Array; consumed: number } | undefined {
  try {
    const r: unknown = inflateSync(input, {
      info: true,
      maxOutputLength: limit(size),
      chunkSize: chunk(size),
    });
    return infoResult(r);
  } catch (e) {
    return truncatedOrThrow(e);
  }
}

/**
 * The `{buffer, engine}` pair that `{info: true}` returns, read by shape: @types/node does not
 * model that overload, so the Node-side type-check sees a Buffer here.
 */
function infoResult(r: unknown): { output: Uint8Array; consumed: number } {
  if (typeof r === 'object' && r !== null && 'buffer' in r && 'engine' in r) {
    const { buffer, engine } = r;
    if (
      buffer instanceof Uint8Array &&
      typeof engine === 'object' &&
      engine !== null &&
      'bytesWritten' in engine &&
      typeof engine.bytesWritten === 'number'
    ) {
      return { output: buffer, consumed: engine.bytesWritten };
    }
  }
  throw new Error('zlib inflate with info: unexpected result shape');
}

/**
 * The output cap passed to zlib: a guard against inflating far past the declared size, not the
 * size check itself (callers compare lengths) — workerd's one-shot inflate refuses some outputs
 * well within an exact cap (seen for sizes ≥ 60 KB), never within this one.
 */
function limit(size: number): number {
  return size + 256 * 1024;
}

/** Output buffer size: one piece for the whole output when that is small (less garbage). */
function chunk(size: number): number {
  return Math.max(64, Math.min(size + 1, 1 << 20));
}

function truncatedOrThrow(e: unknown): undefined {
  const err = e as { code?: unknown; message?: unknown };
  const msg = typeof err?.message === 'string' ? err.message : String(e);
  if (err?.code === 'Z_BUF_ERROR' || msg === 'unexpected end of file') return undefined;
  if (err?.code === 'ERR_BUFFER_TOO_LARGE' || msg === 'Memory limit exceeded') {
    throw new ZlibDataError('inflated data longer than declared size');
  }
  throw new ZlibDataError(msg);
}

/** Adler-32 of `data` (the zlib trailer). */
export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = data.length;
  let i = 0;
  while (i < n) {
    // Blocks short enough that b stays a small integer (below 2^30) between reductions.
    const stop = Math.min(i + 2600, n);
    for (; i < stop; i++) {
      a = (a + (data[i] as number)) | 0;
      b = (b + a) | 0;
    }
    a %= 65521;
    b %= 65521;
  }
  return (b * 65536 + a) >>> 0;
}

/**
 * A plain Uint8Array over a runtime buffer. Small Node buffers are views into a larger pooled or
 * chunk-sized allocation; those are copied so a cache that counts bytes does not retain more.
 */
export function own(buf: Uint8Array): Uint8Array {
  if (buf.byteLength * 2 < buf.buffer.byteLength) return new Uint8Array(buf);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
