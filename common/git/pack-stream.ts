/**
 * One pack entry too large to gather in memory, inflated as its bytes stream past (pako, which can
 * pause and resume a stream; node:zlib's synchronous API is one-shot) and hashed piece by piece.
 * Part of pass 1 (pack-indexer.ts).
 */
import { compareBytes } from './bytes';
import { PackError, ZlibDataError } from './errors';
import { objectHeader } from './object';
import { crc32, Sha1 } from './native';
import type { EntryHeader } from './pack-format';
import { kindCode } from './pack-table';
import { ZlibInflater } from './zlib';

export class PackStream {
  done = false;
  length: number;
  crc: number;
  readonly code: number;
  readonly size: number;
  readonly baseOffset: number;
  oid: Uint8Array | undefined;
  private readonly first20: Uint8Array;
  private readonly inflater = new ZlibInflater();
  private readonly objHash: Sha1 | undefined;
  private inflated = 0;

  /**
   * Starts the entry whose header `h` is at `buf[i..]` (at least 20 bytes there) and pack
   * `offset`; `checkpoint` is the SHA-1 of the pack before it.
   */
  constructor(
    h: EntryHeader,
    readonly offset: number,
    buf: Uint8Array,
    i: number,
    private readonly checkpoint: Uint8Array,
  ) {
    this.first20 = buf.slice(i, i + 20);
    this.length = h.headerLength;
    this.crc = crc32(buf.subarray(i, i + h.headerLength));
    this.code = kindCode(h.kind);
    this.size = h.size;
    this.baseOffset = h.baseOffset ?? -1;
    const at = i + h.headerLength;
    if (h.kind === 'ref-delta') this.oid = buf.slice(at - 20, at);
    else if (h.kind !== 'ofs-delta')
      this.objHash = Sha1.create().update(objectHeader(h.kind, h.size));
  }

  /** Consumes entry data from `buf[i..end)`; returns where it stopped (the entry end, or `end`). */
  write(buf: Uint8Array, i: number, end: number): number {
    let step;
    try {
      step = this.inflater.write(buf, i, end, (piece) => {
        this.inflated += piece.length;
        if (this.inflated > this.size) {
          throw new PackError(`entry at offset ${this.offset} inflates past its size ${this.size}`);
        }
        this.objHash?.update(piece);
      });
    } catch (e) {
      if (e instanceof ZlibDataError)
        throw new PackError(`bad zlib data in entry at offset ${this.offset}: ${e.message}`);
      throw e;
    }
    const stop = i + step.consumed;
    this.crc = crc32(buf.subarray(i, stop), this.crc);
    this.length += step.consumed;
    if (!step.ended) {
      if (stop < end) throw new PackError(`bad zlib data at offset ${this.offset}`);
      return stop;
    }
    if (this.inflated !== this.size) {
      throw new PackError(
        `entry at offset ${this.offset} inflates to ${this.inflated} bytes, header says ${this.size}`,
      );
    }
    if (this.objHash) this.oid = this.objHash.digest();
    this.done = true;
    return stop;
  }

  /** Whether the pack ends 20 bytes into this "entry" and those are the trailer. */
  looksLikeTrailer(packEnd: number): boolean {
    return (
      packEnd - this.offset === 20 && compareBytes(this.checkpoint, 0, this.first20, 0, 20) === 0
    );
  }
}
