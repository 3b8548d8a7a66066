/**
 * Inflates pack entries one after another through one native zlib engine, reset between entries,
 * and says exactly how much input each used — one inflate per entry, where the one-shot calls of
 * native.ts need a second inflate (or a fresh engine, ~45 µs in workerd) to find where a stream
 * ends. Pass 1 of indexing runs this for every entry of a pushed pack.
 *
 * It drives the engine underneath `zlib.createInflate()` (`_handle.writeSync` with the
 * `_writeState` pair, as `processChunkSync` does in both Node's and workerd's `node:zlib`): not a
 * public API, so `create` checks its shape and returns undefined when it differs, and callers
 * fall back to `inflateStreamAt`. workerd.test.ts pins the behaviour in the real runtime.
 * With Z_FINISH, zlib either reaches the end of the stream, reports "unexpected end of file"
 * (input ends first), or fills the output (more than declared): three distinct outcomes.
 */
import { createInflate } from 'node:zlib';
import { ZlibDataError } from './errors';

const Z_FINISH = 4;

interface RawHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close?(): void;
  setErrorHandler?(fn: (...args: unknown[]) => void): void;
  onerror?: (...args: unknown[]) => void;
}

interface Engine {
  _handle?: RawHandle | null;
  _writeState?: Uint32Array;
  on?(event: string, fn: () => void): void;
}

/** One entry's inflate: the output and the input bytes used. */
export interface InflatedEntry {
  output: Uint8Array;
  consumed: number;
}

export class EntryInflater {
  private error: string[] | undefined;

  private constructor(
    private handle: RawHandle,
    private state: Uint32Array,
  ) {}

  /** A new inflater, or undefined when the runtime's zlib does not have the expected shape. */
  static create(): EntryInflater | undefined {
    const opened = EntryInflater.open();
    if (!opened) return undefined;
    const inflater = new EntryInflater(opened.handle, opened.state);
    inflater.listen();
    return inflater;
  }

  private static open(): { handle: RawHandle; state: Uint32Array } | undefined {
    try {
      const engine = createInflate() as unknown as Engine;
      const handle = engine._handle;
      const state = engine._writeState;
      if (
        !handle ||
        typeof handle.writeSync !== 'function' ||
        typeof handle.reset !== 'function' ||
        !(state instanceof Uint32Array) ||
        state.length < 2
      ) {
        return undefined;
      }
      // The stream wrapper never runs (we never write to it), but keep any error off the process.
      engine.on?.('error', () => undefined);
      return { handle, state };
    } catch {
      return undefined;
    }
  }

  /** Errors come through a callback (Node: `onerror(message, errno, code)`, workerd: a handler). */
  private listen(): void {
    const onError = (...args: unknown[]) => {
      this.error = args.filter((a): a is string => typeof a === 'string');
    };
    if (typeof this.handle.setErrorHandler === 'function') this.handle.setErrorHandler(onError);
    else this.handle.onerror = onError;
  }

  /**
   * Inflates the zlib stream at `buf[start..end)` declared to inflate to `size` bytes into `out`
   * (at least `size + 1` long; the output is a view of it, which the caller checks is `size`
   * long). Undefined when the stream goes on past `end`. Throws ZlibDataError for bad data and for
   * output longer than `size`.
   */
  inflate(
    buf: Uint8Array,
    start: number,
    end: number,
    size: number,
    out: Uint8Array,
  ): InflatedEntry | undefined {
    this.error = undefined;
    const outLen = size + 1;
    this.handle.writeSync(Z_FINISH, buf, start, end - start, out, 0, outLen);
    const error = this.error as string[] | undefined;
    const availOut = this.state[0] as number;
    const availIn = this.state[1] as number;
    this.reset();
    if (error) {
      if (error.includes('unexpected end of file') || error.includes('Z_BUF_ERROR'))
        return undefined;
      throw new ZlibDataError(error.find((m) => !/^Z_[A-Z_]+$/.test(m)) ?? 'bad zlib data');
    }
    const written = outLen - availOut;
    if (availOut === 0) throw new ZlibDataError('inflated data longer than declared size');
    return { output: out.subarray(0, written), consumed: end - start - availIn };
  }

  private reset(): void {
    try {
      this.error = undefined;
      this.handle.reset();
      if (this.error) {
        // A reset that fails leaves the engine unusable: start a new one.
        const opened = EntryInflater.open();
        if (!opened) throw new ZlibDataError('cannot restart the inflater');
        this.handle = opened.handle;
        this.state = opened.state;
        this.listen();
      }
    } catch (e) {
      if (e instanceof ZlibDataError) throw e;
      throw new ZlibDataError('cannot reset the inflater');
    }
  }
}
