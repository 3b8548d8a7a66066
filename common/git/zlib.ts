/**
 * A resumable zlib (RFC 1950) inflater on pako's low-level API, for pack entries too large to hold
 * whole: it takes input as it arrives and says how many bytes ended the stream (pako's `avail_in`
 * after Z_STREAM_END; the platform's DecompressionStream cannot, docs/design/git-protocol.md §4.3).
 * Everything else inflates natively (native.ts), which is several times faster but one-shot.
 */
import {
  ZStream,
  Z_BUF_ERROR,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  zlibInflate,
  zlibInflateInit2,
  zlibInflateReset,
} from 'pako';
import { ZlibDataError } from './errors';

export { ZlibDataError };

/** Result of feeding input to the inflater. */
export interface InflateStep {
  /** Input bytes consumed from the slice given. */
  consumed: number;
  /** True once the end of the zlib stream (incl. its Adler-32) was reached. */
  ended: boolean;
}

const OUT_CHUNK = 64 * 1024;

/**
 * A reusable streaming inflater. `write` feeds bytes and hands each piece of output to `onData`
 * (the piece is only valid during the call); once the stream ends it reports how much input was
 * used so the caller knows where the next pack entry begins. `reset` starts a new stream while
 * keeping the allocated window.
 */
export class ZlibInflater {
  private readonly strm = new ZStream();
  private readonly out = new Uint8Array(OUT_CHUNK);
  private done = false;

  constructor() {
    // windowBits 15 = zlib wrapper only (no gzip auto-detection): that is what packs contain.
    if (zlibInflateInit2(this.strm, 15) !== Z_OK) throw new ZlibDataError('cannot init inflater');
  }

  /** Starts a new stream. */
  reset(): void {
    zlibInflateReset(this.strm);
    this.done = false;
  }

  /** Whether the current stream has ended. */
  get ended(): boolean {
    return this.done;
  }

  /** Feeds `input[start..end)`; output goes to `onData`. */
  write(
    input: Uint8Array,
    start: number,
    end: number,
    onData: (piece: Uint8Array) => void,
  ): InflateStep {
    if (this.done) return { consumed: 0, ended: true };
    const strm = this.strm;
    strm.input = input;
    strm.next_in = start;
    strm.avail_in = end - start;
    for (;;) {
      const inBefore = strm.avail_in;
      strm.output = this.out;
      strm.next_out = 0;
      strm.avail_out = OUT_CHUNK;
      const status = zlibInflate(strm, Z_NO_FLUSH);
      if (strm.next_out > 0) onData(this.out.subarray(0, strm.next_out));
      if (status === Z_STREAM_END) {
        this.done = true;
        break;
      }
      if (status !== Z_OK && status !== Z_BUF_ERROR) {
        throw new ZlibDataError(strm.msg || `inflate failed (${status})`);
      }
      // Stop when all input is used and the output buffer was not filled (nothing pending).
      if (strm.avail_in === 0 && strm.avail_out > 0) break;
      if (strm.avail_out > 0 && (status === Z_BUF_ERROR || strm.avail_in === inBefore)) break;
    }
    const consumed = end - start - strm.avail_in;
    // Do not keep a reference to the caller's chunk.
    strm.input = EMPTY;
    strm.avail_in = 0;
    return { consumed, ended: this.done };
  }
}

const EMPTY = new Uint8Array(0);
