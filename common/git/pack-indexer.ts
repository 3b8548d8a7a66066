/**
 * Pass 1 of indexing a received pack, streaming and in bounded memory (docs/design/git-protocol.md
 * §4): chunks are pushed as the request body streams past (while the caller writes the same bytes
 * to storage); each entry is inflated once, to find where its zlib stream ends, to check its size
 * and, for full objects, to hash it. Recent objects stay in a byte-budgeted cache, so an OFS_DELTA
 * whose base is still there is resolved and hashed at once — in a pack git wrote, that is nearly
 * every delta. The result is a table of entries; `resolveDeltas` (pass 2, in pack-resolve.ts,
 * re-exported here) then resolves the rest by re-reading entries by range.
 *
 * Entries are inflated straight from the chunk through one reused native engine
 * (entry-inflater.ts; one-shot calls of native.ts where the runtime lacks it); one that
 * straddles chunks is gathered first — up to the most its compressed form can take, so it is
 * inflated once or twice, not once per chunk. Memory is that entry, one chunk and the cache.
 * Entries that inflate to more than 8 MiB stream through pako (zlib.ts) instead, so they are
 * never held whole.
 *
 * Hand-written on purpose: no maintained library indexes a pack incrementally in bounded memory
 * in the Workers runtime (isomorphic-git needs the whole pack in memory; the platform's
 * DecompressionStream cannot report where a zlib stream ends).
 */
import { compareBytes } from './bytes';
import { PackError, ZlibDataError } from './errors';
import { Lru } from '../lru';
import { applyDelta } from './delta';
import { EntryInflater } from './entry-inflater';
import { objectHeader, objectTypeFromCode, type ObjectType } from './object';
import { crc32, deflateBound, inflateStreamAt, own, Sha1, sha1 } from './native';
import {
  MAX_ENTRY_HEADER,
  parseEntryHeader,
  parsePackHeader,
  type EntryHeader,
} from './pack-format';
import { EntryTable, kindCode, scanOf } from './pack-table';
import { ReportedObject, type PackIndexerOptions, type PackScan } from './pack-types';
import { PackStream } from './pack-stream';
import { PendingBytes } from './pending-bytes';

export { PackError };
export type { PackIndexerOptions, PackScan, ScannedEntry } from './pack-types';
export { ReportedObject } from './pack-types';
export {
  resolveDeltas,
  type IndexedPack,
  type ResolveIO,
  type ResolveOptions,
} from './pack-resolve';

/** Entries inflating to more than this are streamed, not gathered. */
const STREAM_MIN = 8 * 1024 * 1024;

type Phase = 'header' | 'entry' | 'stream' | 'trailer' | 'done';

/** Streaming pass-1 pack scanner: `push` each chunk in order, then `finish`. */
export class PackIndexer {
  private phase: Phase = 'header';
  private failed: PackError | undefined;
  private readonly hash = Sha1.create();
  /** Index in the buffer being run up to which pack bytes are hashed. */
  private hashedTo = 0;
  private count = 0;
  private table = new EntryTable();
  private checksum: Uint8Array | undefined;
  private received = 0;
  /** Bytes of an incomplete unit (header, entry, trailer), from its first byte. */
  private readonly pend = new PendingBytes();
  /** Length the pending unit must reach before it is tried again. */
  private need = 0;
  private stream: PackStream | undefined;
  /** The reusable native inflater; null when the runtime lacks it (then one-shot calls). */
  private inflater: EntryInflater | null | undefined;
  private scratch = new Uint8Array(0);
  /** Recent whole objects by entry index: bases for the OFS_DELTA entries that follow. */
  private cache: Lru<number, Uint8Array>;

  constructor(private readonly opts: PackIndexerOptions = {}) {
    this.cache = new Lru(opts.cacheBytes ?? 32 * 1024 * 1024);
  }

  /** Bytes received so far. */
  get bytesSeen(): number {
    return this.received;
  }

  /** Feeds the next chunk of the pack; throws PackError as soon as the pack is known bad. */
  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    try {
      this.consume(chunk);
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Ends the input; returns the scan or throws PackError if the pack is incomplete or bad. */
  finish(): PackScan {
    if (this.failed) throw this.failed;
    try {
      const p = this.pend;
      if (p.length > 0) this.run(p.bytes, 0, p.length, p.at, true, true);
      if (this.phase === 'stream' && this.stream?.looksLikeTrailer(this.received))
        throw this.countMismatch();
      if (this.phase !== 'done' || !this.checksum) {
        const where =
          this.phase === 'header'
            ? 'no complete header'
            : this.phase === 'trailer'
              ? 'missing trailer'
              : `${this.table.count} of ${this.count} objects`;
        throw new PackError(`truncated pack: ${where}`);
      }
    } catch (e) {
      throw this.fail(e);
    }
    this.cache = new Lru(0);
    return scanOf(this.count, this.checksum, this.table);
  }

  private fail(e: unknown): PackError {
    // Whatever went wrong, callers see one error class (and the same error on every later call).
    const msg = e instanceof Error ? e.message : String(e);
    this.failed = e instanceof PackError ? e : new PackError(`cannot read pack: ${msg}`);
    this.pend.clear();
    this.cache = new Lru(0);
    return this.failed;
  }

  private consume(chunk: Uint8Array): void {
    const base = this.received;
    this.received += chunk.length;
    const p = this.pend;
    let i = 0;
    // Complete the pending unit from the chunk; once it is consumed the rest runs in place.
    while (p.length > 0) {
      if (i === chunk.length) return;
      const n = Math.min(Math.max(1, this.need - p.length), chunk.length - i);
      p.append(chunk, i, i + n);
      i += n;
      if (p.length < this.need) continue;
      const j = this.run(p.bytes, 0, p.length, p.at, i === chunk.length, false);
      const left = p.length - j;
      if (j > 0 && left <= i) {
        i -= left; // those bytes are still in the chunk
        p.length = 0;
      } else p.drop(j);
    }
    const j = this.run(chunk, i, chunk.length, base, true, false);
    if (j < chunk.length) {
      p.at = base + j;
      p.append(chunk, j, chunk.length);
    }
  }

  /**
   * Consumes whole units of `buf[i..end)` (pack offset of `buf[0]` is `base`); returns where the
   * first incomplete one starts. `atEnd`: `end` is the last byte received; `final`: and the input
   * ended.
   */
  private run(
    buf: Uint8Array,
    i: number,
    end: number,
    base: number,
    atEnd: boolean,
    final: boolean,
  ): number {
    this.hashedTo = i;
    this.need = 0;
    for (;;) {
      let next = -1;
      if (this.phase === 'entry' && i < end) next = this.entry(buf, i, end, base, atEnd, final);
      else if (this.phase === 'stream' && i < end) next = this.streamData(buf, i, end, base, atEnd);
      else if (this.phase === 'header' && end - i >= 12) next = this.header(buf, i);
      else if (this.phase === 'trailer' && end - i >= 20) next = this.trailer(buf, i, end, atEnd);
      else if (this.phase === 'done' && i < end) throw new PackError('trailing garbage after pack');
      if (next < 0) break;
      if (this.phase === 'stream' && (this.stream as PackStream).done) this.endStream();
      i = next;
    }
    if (this.phase !== 'done') this.hashTo(buf, i);
    return i;
  }

  private hashTo(buf: Uint8Array, i: number): void {
    if (i > this.hashedTo) this.hash.update(buf.subarray(this.hashedTo, i));
    this.hashedTo = i;
  }

  private header(buf: Uint8Array, i: number): number {
    this.count = parsePackHeader(buf.subarray(i, i + 12));
    if (this.opts.maxObjects !== undefined && this.count > this.opts.maxObjects) {
      throw new PackError(`too many objects: ${this.count} (limit ${this.opts.maxObjects})`);
    }
    this.table = new EntryTable(this.count);
    this.phase = this.count === 0 ? 'trailer' : 'entry';
    return i + 12;
  }

  private entry(
    buf: Uint8Array,
    i: number,
    end: number,
    base: number,
    atEnd: boolean,
    final: boolean,
  ): number {
    const offset = base + i;
    let h;
    try {
      h = parseEntryHeader(buf, i, end, offset);
      if (!h && end - i >= MAX_ENTRY_HEADER) throw new PackError('bad entry header');
    } catch (e) {
      return this.entryFailed(e, buf, i, end, atEnd, final);
    }
    if (!h) return this.wait(end - i + 64, buf, i, end, atEnd, final);
    const max = this.opts.maxObjectSize;
    if (max !== undefined && h.size > max) {
      throw new PackError(`object at offset ${offset} too large: ${h.size} bytes (limit ${max})`);
    }
    if (h.size > STREAM_MIN) {
      // At least 20 bytes first: they might be the trailer (see entryFailed).
      if (end - i < 20) return this.wait(20, buf, i, end, atEnd, final);
      return this.startStream(h, buf, i, offset);
    }
    const dataAt = i + h.headerLength;
    let r;
    try {
      r = this.inflate(buf, dataAt, end, h.size, h.kind === 'ofs-delta' || h.kind === 'ref-delta');
      if (r && r.output.length !== h.size) {
        throw new PackError(
          `entry at offset ${offset} inflates to ${r.output.length} bytes, header says ${h.size}`,
        );
      }
    } catch (e) {
      const err =
        e instanceof ZlibDataError
          ? new PackError(`bad zlib data in entry at offset ${offset}: ${e.message}`)
          : e;
      return this.entryFailed(err, buf, i, end, atEnd, final);
    }
    if (!r) {
      // Gather the most git's zlib can make of h.size bytes: then one more inflate settles it.
      const bound = h.headerLength + deflateBound(h.size);
      if (end - i < bound || final) return this.wait(bound, buf, i, end, atEnd, final);
      // A valid stream longer than zlib writes (padding blocks): stream it, do not gather it.
      return this.startStream(h, buf, i, offset);
    }
    const length = h.headerLength + r.consumed;
    const t = this.table;
    let id: Uint8Array | undefined;
    // The whole object, when pass 1 has it: a full object, or a delta on a cached base.
    let body: Uint8Array | undefined;
    let type = 0;
    if (h.kind === 'ref-delta') id = buf.subarray(dataAt - 20, dataAt);
    else if (h.kind !== 'ofs-delta') {
      body = r.output;
      type = kindCode(h.kind);
    } else {
      const b = t.indexOfOffset(h.baseOffset as number);
      const base = b >= 0 ? this.cache.get(b) : undefined;
      if (base) {
        body = applyDelta(base, r.output, this.opts.maxObjectSize);
        type = t.types[b] as number;
      }
    }
    if (body) id = sha1(objectHeader(objectTypeFromCode(type) as ObjectType, body.length), body);
    const crc = crc32(buf.subarray(i, i + length));
    t.add(offset, length, kindCode(h.kind), h.size, crc, id, h.baseOffset ?? -1);
    if (body && id) {
      const k = t.count - 1;
      t.types[k] = type;
      // Inflated output is a fresh buffer (a pooled view only when small: then copied).
      this.cache.set(k, h.kind === 'ofs-delta' || this.inflater ? body : own(body), body.length);
      const onObject = this.opts.onObject;
      if (onObject) {
        t.reported[k] = 1;
        onObject(new ReportedObject(id, objectTypeFromCode(type) as ObjectType, body, offset));
      }
    }
    if (this.table.count === this.count) this.phase = 'trailer';
    return i + length;
  }

  /**
   * Inflates the entry data at `buf[start..end)` (see inflateStreamAt) through the reusable
   * engine when the runtime has it. Delta data is only read during this entry: it goes to a
   * scratch buffer; object bodies get their own (they may be cached as delta bases).
   */
  private inflate(
    buf: Uint8Array,
    start: number,
    end: number,
    size: number,
    scratch: boolean,
  ): { output: Uint8Array; consumed: number } | undefined {
    if (this.inflater === undefined) this.inflater = EntryInflater.create() ?? null;
    if (!this.inflater) return inflateStreamAt(buf, start, end, size);
    let out: Uint8Array;
    if (scratch) {
      if (this.scratch.length < size + 1) this.scratch = new Uint8Array(Math.max(size + 1, 65536));
      out = this.scratch;
    } else out = new Uint8Array(size + 1);
    return this.inflater.inflate(buf, start, end, size, out);
  }

  /** Goes on with the entry at `buf[i..]` (≥ 20 bytes there) as a stream (pack-stream.ts). */
  private startStream(h: EntryHeader, buf: Uint8Array, i: number, offset: number): number {
    this.hashTo(buf, i);
    this.stream = new PackStream(h, offset, buf, i, this.hash.copy().digest());
    this.phase = 'stream';
    return i + h.headerLength;
  }

  /** The unit at `i` is incomplete: retry once it is `need` bytes long (or fail at the end). */
  private wait(
    need: number,
    buf: Uint8Array,
    i: number,
    end: number,
    atEnd: boolean,
    final: boolean,
  ): number {
    if (final) {
      const err = new PackError(`truncated pack: ${this.table.count} of ${this.count} objects`);
      return this.entryFailed(err, buf, i, end, atEnd, final);
    }
    this.need = need;
    return -1;
  }

  /**
   * An entry is bad. Within its first 20 bytes it may really be the trailer of a pack whose header
   * claims too many objects: wait for 20 bytes to tell the two apart.
   */
  private entryFailed(
    err: unknown,
    buf: Uint8Array,
    i: number,
    end: number,
    atEnd: boolean,
    final: boolean,
  ): number {
    if (end - i < 20 && !final) {
      this.need = 20;
      return -1;
    }
    if (end - i === 20 && atEnd) {
      this.hashTo(buf, i);
      if (compareBytes(this.hash.copy().digest(), 0, buf, i, 20) === 0) throw this.countMismatch();
    }
    throw err;
  }

  private streamData(
    buf: Uint8Array,
    i: number,
    end: number,
    base: number,
    atEnd: boolean,
  ): number {
    const s = this.stream as PackStream;
    try {
      return s.write(buf, i, end);
    } catch (e) {
      if (atEnd && s.looksLikeTrailer(base + end)) throw this.countMismatch();
      throw e;
    }
  }

  private endStream(): void {
    const s = this.stream as PackStream;
    this.table.add(s.offset, s.length, s.code, s.size, s.crc, s.oid, s.baseOffset);
    this.stream = undefined;
    this.phase = this.table.count === this.count ? 'trailer' : 'entry';
  }

  private trailer(buf: Uint8Array, i: number, end: number, atEnd: boolean): number {
    this.hashTo(buf, i);
    const digest = this.hash.digest();
    if (compareBytes(digest, 0, buf, i, 20) !== 0) {
      throw new PackError(
        end - i > 20 || !atEnd
          ? `pack has more data than its ${this.count} objects (bad object count or trailer)`
          : 'pack checksum mismatch',
      );
    }
    this.checksum = digest;
    this.phase = 'done';
    return i + 20;
  }

  private countMismatch(): PackError {
    return new PackError(
      `object count mismatch: header says ${this.count} objects, pack has ${this.table.count}`,
    );
  }
}
