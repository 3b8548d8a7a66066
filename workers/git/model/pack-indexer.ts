/**
 * Pass 1 of indexing a received pack, streaming and in bounded memory (design/git-protocol.md §4):
 * chunks are pushed as the request body streams past (while the caller writes the same bytes to
 * storage); each entry is inflated only to find where its zlib stream ends, to check its size and,
 * for full objects, to hash it. The result is a table of entries; `resolveDeltas` (pass 2, in
 * pack-resolve.ts, re-exported here) then resolves deltas by re-reading entries by range.
 *
 * Hand-written on purpose: no maintained library indexes a pack incrementally in bounded memory
 * in the Workers runtime (isomorphic-git needs the whole pack in memory; the platform's
 * DecompressionStream cannot report where a zlib stream ends).
 */
import { sha1 } from '@noble/hashes/legacy.js';
import { compareBytes, toHex } from './bytes';
import { crc32 } from './crc32';
import { PackError } from './errors';
import { objectHeader } from './object';
import {
  MAX_ENTRY_HEADER,
  parseEntryHeader,
  parsePackHeader,
  type EntryHeader,
} from './pack-format';
import type { PackIndexerOptions, PackScan, ScannedEntry } from './pack-types';
import { ZlibDataError, ZlibInflater } from './zlib';

export { PackError };
export type { PackIndexerOptions, PackScan, ScannedEntry } from './pack-types';
export {
  resolveDeltas,
  type IndexedPack,
  type ResolveIO,
  type ResolveOptions,
} from './pack-resolve';

type Sha1 = ReturnType<typeof sha1.create>;
type Phase = 'header' | 'entry-header' | 'entry-data' | 'trailer' | 'done' | 'suspect-trailer';

/** Streaming pass-1 pack scanner: `push` each chunk in order, then `finish`. */
export class PackIndexer {
  private phase: Phase = 'header';
  private failed: PackError | undefined;
  private readonly hash: Sha1 = sha1.create();
  /** Hash state at the start of the current entry (to recognise a trailer where an entry was expected). */
  private readonly checkpoint: Sha1 = sha1.create();
  private readonly small = new Uint8Array(32);
  private smallLen = 0;
  private pos = 0;
  private count = 0;
  private readonly entries: ScannedEntry[] = [];
  private checksum: Uint8Array | undefined;
  private readonly inflater = new ZlibInflater();
  // Current entry.
  private entryOffset = 0;
  private header: EntryHeader | undefined;
  private crc = 0;
  private inflated = 0;
  private objHash: Sha1 | undefined;
  // First bytes of the current entry, in case they are really the trailer (object count too high).
  private readonly tail = new Uint8Array(20);
  private tailLen = 0;
  private suspectError: PackError | undefined;

  constructor(private readonly opts: PackIndexerOptions = {}) {}

  /** Bytes consumed so far. */
  get bytesSeen(): number {
    return this.pos;
  }

  /** Feeds the next chunk of the pack; throws PackError as soon as the pack is known bad. */
  push(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    try {
      this.consume(chunk);
    } catch (e) {
      // Whatever went wrong, callers see one error class (and the same error on every later call).
      const msg = e instanceof Error ? e.message : String(e);
      throw this.fail(e instanceof PackError ? e : new PackError(`cannot read pack: ${msg}`));
    }
  }

  /** Ends the input; returns the scan or throws PackError if the pack is incomplete or bad. */
  finish(): PackScan {
    if (this.failed) throw this.failed;
    if (this.phase === 'suspect-trailer' && this.suspectError) throw this.fail(this.suspectError);
    const inEntry = this.phase === 'entry-header' || this.phase === 'entry-data';
    if (inEntry && this.pos - this.entryOffset === 20 && this.tailIsTrailer()) {
      throw this.fail(this.countMismatch());
    }
    if (this.phase !== 'done' || !this.checksum) {
      const where =
        this.phase === 'header'
          ? 'no complete header'
          : this.phase === 'trailer'
            ? 'missing trailer'
            : `${this.entries.length} of ${this.count} objects`;
      throw this.fail(new PackError(`truncated pack: ${where}`));
    }
    return { objectCount: this.count, packChecksum: this.checksum, entries: this.entries };
  }

  private fail(e: PackError): PackError {
    this.failed = e;
    return e;
  }

  private consume(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      switch (this.phase) {
        case 'header':
          i = this.readHeader(chunk, i);
          break;
        case 'entry-header':
          i = this.readEntryHeader(chunk, i);
          break;
        case 'entry-data':
          i = this.readEntryData(chunk, i);
          break;
        case 'trailer':
          i = this.readTrailer(chunk, i);
          break;
        case 'suspect-trailer':
          i = this.readSuspectTrailer(chunk, i);
          break;
        case 'done':
          throw new PackError('trailing garbage after pack');
      }
    }
  }

  /** Hashes consumed pack bytes and remembers the first 20 of each entry. */
  private take(chunk: Uint8Array, start: number, end: number): void {
    this.hash.update(chunk.subarray(start, end));
    if (this.tailLen < 20 && (this.phase === 'entry-header' || this.phase === 'entry-data')) {
      const n = Math.min(20 - this.tailLen, end - start);
      this.tail.set(chunk.subarray(start, start + n), this.tailLen);
      this.tailLen += n;
    }
    this.pos += end - start;
  }

  private readHeader(chunk: Uint8Array, i: number): number {
    const n = Math.min(12 - this.smallLen, chunk.length - i);
    this.small.set(chunk.subarray(i, i + n), this.smallLen);
    this.smallLen += n;
    this.take(chunk, i, i + n);
    if (this.smallLen === 12) {
      this.count = parsePackHeader(this.small);
      if (this.opts.maxObjects !== undefined && this.count > this.opts.maxObjects) {
        throw new PackError(`too many objects: ${this.count} (limit ${this.opts.maxObjects})`);
      }
      this.smallLen = 0;
      this.startEntry();
    }
    return i + n;
  }

  private startEntry(): void {
    this.smallLen = 0;
    this.tailLen = 0;
    if (this.entries.length === this.count) {
      this.phase = 'trailer';
      return;
    }
    this.phase = 'entry-header';
    this.entryOffset = this.pos;
    this.hash._cloneInto(this.checkpoint);
  }

  private readEntryHeader(chunk: Uint8Array, i: number): number {
    // Headers are at most 30 bytes: gather them in `small` so chunk boundaries do not matter.
    const before = this.smallLen;
    const n = Math.min(MAX_ENTRY_HEADER - before, chunk.length - i);
    this.small.set(chunk.subarray(i, i + n), before);
    this.smallLen += n;
    let h: EntryHeader | undefined;
    try {
      h = parseEntryHeader(this.small, 0, this.smallLen, this.entryOffset);
      if (!h && this.smallLen >= MAX_ENTRY_HEADER) throw new PackError('bad entry header');
    } catch (e) {
      if (e instanceof PackError) return this.suspect(e, chunk, i);
      throw e;
    }
    const used = h ? h.headerLength - before : n;
    this.take(chunk, i, i + used);
    if (h) this.beginData(h, this.small.subarray(0, h.headerLength));
    return i + used;
  }

  private beginData(h: EntryHeader, headerBytes: Uint8Array): void {
    const max = this.opts.maxObjectSize;
    if (max !== undefined && h.size > max) {
      throw new PackError(
        `object at offset ${this.entryOffset} too large: ${h.size} bytes (limit ${max})`,
      );
    }
    this.header = h;
    this.crc = crc32(headerBytes);
    this.smallLen = 0;
    this.inflated = 0;
    this.inflater.reset();
    this.objHash =
      h.kind === 'ofs-delta' || h.kind === 'ref-delta'
        ? undefined
        : sha1.create().update(objectHeader(h.kind, h.size));
    this.phase = 'entry-data';
  }

  private readEntryData(chunk: Uint8Array, i: number): number {
    const h = this.header as EntryHeader; // set by beginData before this phase
    let step;
    try {
      step = this.inflater.write(chunk, i, chunk.length, (piece) => {
        this.inflated += piece.length;
        if (this.inflated > h.size) {
          throw new PackError(
            `entry at offset ${this.entryOffset} inflates past its size ${h.size}`,
          );
        }
        this.objHash?.update(piece);
      });
    } catch (e) {
      if (e instanceof PackError || e instanceof ZlibDataError) {
        const err =
          e instanceof PackError
            ? e
            : new PackError(`bad zlib data in entry at offset ${this.entryOffset}: ${e.message}`);
        return this.suspect(err, chunk, i);
      }
      throw e;
    }
    const end = i + step.consumed;
    this.crc = crc32(chunk, this.crc, i, end);
    this.take(chunk, i, end);
    if (!step.ended) {
      if (end < chunk.length) throw new PackError(`bad zlib data at offset ${this.entryOffset}`);
      return end;
    }
    if (this.inflated !== h.size) {
      throw new PackError(
        `entry at offset ${this.entryOffset} inflates to ${this.inflated} bytes, header says ${h.size}`,
      );
    }
    const e: ScannedEntry = {
      offset: this.entryOffset,
      length: this.pos - this.entryOffset,
      crc32: this.crc,
      kind: h.kind,
      size: h.size,
    };
    if (this.objHash) e.oid = toHex(this.objHash.digest());
    if (h.baseOffset !== undefined) e.baseOffset = h.baseOffset;
    if (h.baseOid !== undefined) e.baseOid = h.baseOid;
    this.entries.push(e);
    this.objHash = undefined;
    this.header = undefined;
    this.startEntry();
    return end;
  }

  private readTrailer(chunk: Uint8Array, i: number): number {
    const n = Math.min(20 - this.smallLen, chunk.length - i);
    this.small.set(chunk.subarray(i, i + n), this.smallLen);
    this.smallLen += n;
    this.pos += n;
    if (this.smallLen === 20) {
      const digest = this.hash.digest();
      if (compareBytes(digest, 0, this.small, 0, 20) !== 0) {
        throw new PackError(
          i + n < chunk.length
            ? `pack has more data than its ${this.count} objects (bad object count or trailer)`
            : 'pack checksum mismatch',
        );
      }
      this.checksum = digest;
      this.phase = 'done';
    }
    return i + n;
  }

  /**
   * An entry failed to parse within its first 20 bytes: those may be the trailer of a pack whose
   * header claims too many objects. Keep reading up to 20 bytes to tell the two apart.
   */
  private suspect(err: PackError, chunk: Uint8Array, i: number): number {
    const sinceStart = this.pos - this.entryOffset;
    if (sinceStart >= 20) throw err;
    this.suspectError = err;
    // Restart collecting the tail from the entry start: it already holds the consumed bytes.
    this.phase = 'suspect-trailer';
    return this.readSuspectTrailer(chunk, i);
  }

  private readSuspectTrailer(chunk: Uint8Array, i: number): number {
    const err = this.suspectError as PackError;
    const n = Math.min(20 - this.tailLen, chunk.length - i);
    this.tail.set(chunk.subarray(i, i + n), this.tailLen);
    this.tailLen += n;
    this.pos += n;
    if (this.tailLen < 20) return i + n;
    throw i + n === chunk.length && this.tailIsTrailer() ? this.countMismatch() : err;
  }

  /** Whether the first 20 bytes of the current "entry" are the SHA-1 of everything before it. */
  private tailIsTrailer(): boolean {
    return compareBytes(this.checkpoint.clone().digest(), 0, this.tail, 0, 20) === 0;
  }

  private countMismatch(): PackError {
    return new PackError(
      `object count mismatch: header says ${this.count} objects, pack has ${this.entries.length}`,
    );
  }
}
