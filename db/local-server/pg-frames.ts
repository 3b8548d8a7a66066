/**
 * Splits PostgreSQL frontend and backend byte streams into whole messages, and follows the
 * transaction status of ReadyForQuery messages. Just enough of the wire protocol for the local
 * endpoint to know where a message ends and when a session is idle (outside a transaction):
 * PGlite sessions (pglite-sessions.ts) and the session pool (pg-pool.ts).
 */

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export type FrontendMessage =
  | { kind: 'startup'; bytes: Uint8Array }
  | { kind: 'ssl-request' }
  | { kind: 'cancel'; bytes: Uint8Array }
  | { kind: 'terminate' }
  | { kind: 'message'; type: number; bytes: Uint8Array };

const MAX_MESSAGE = 64 * 1024 * 1024;

/** Accumulates frontend bytes and yields whole messages; the first message has no type byte. */
export class FrontendFramer {
  private buf = new Uint8Array(0);
  private started = false;

  push(chunk: Uint8Array): FrontendMessage[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const out: FrontendMessage[] = [];
    for (;;) {
      const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      if (!this.started) {
        if (this.buf.length < 8) break;
        const len = view.getInt32(0);
        if (len < 8 || len > 10_000) throw new Error(`bad startup message length ${len}`);
        if (this.buf.length < len) break;
        const code = view.getInt32(4);
        const bytes = this.buf.slice(0, len);
        this.buf = this.buf.slice(len);
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST_CODE)
          out.push({ kind: 'ssl-request' });
        else if (code === CANCEL_REQUEST_CODE) out.push({ kind: 'cancel', bytes });
        else {
          this.started = true;
          out.push({ kind: 'startup', bytes });
        }
        continue;
      }
      if (this.buf.length < 5) break;
      const type = this.buf[0] as number;
      const len = view.getInt32(1);
      if (len < 4 || len > MAX_MESSAGE) throw new Error(`bad message length ${len}`);
      if (this.buf.length < len + 1) break;
      const bytes = this.buf.slice(0, len + 1);
      this.buf = this.buf.slice(len + 1);
      out.push(type === 0x58 /* X */ ? { kind: 'terminate' } : { kind: 'message', type, bytes });
    }
    return out;
  }
}

/**
 * Returns the transaction status of the last ReadyForQuery ('Z') in a backend byte stream
 * ('I' idle, 'T' in transaction, 'E' failed transaction), or undefined when there is none.
 * Assumes the bytes are whole backend messages, as PGlite returns them.
 */
export function lastReadyStatus(bytes: Uint8Array): string | undefined {
  const tracker = new BackendTracker();
  return tracker.push(bytes) > 0 ? tracker.status : undefined;
}

/** Accumulates backend bytes and yields whole messages (type byte and bytes, header included). */
export class BackendFramer {
  private buf = new Uint8Array(0);

  push(chunk: Uint8Array): { type: number; bytes: Uint8Array }[] {
    const joined = new Uint8Array(this.buf.length + chunk.length);
    joined.set(this.buf, 0);
    joined.set(chunk, this.buf.length);
    this.buf = joined;
    const out: { type: number; bytes: Uint8Array }[] = [];
    while (this.buf.length >= 5) {
      const len = new DataView(this.buf.buffer, this.buf.byteOffset + 1, 4).getInt32(0);
      if (len < 4 || len > MAX_MESSAGE) throw new Error(`bad backend message length ${len}`);
      if (this.buf.length < len + 1) break;
      out.push({ type: this.buf[0] as number, bytes: this.buf.slice(0, len + 1) });
      this.buf = this.buf.slice(len + 1);
    }
    return out;
  }
}

/**
 * Follows a backend byte stream without keeping it: counts ReadyForQuery messages and remembers
 * the last one's transaction status, across chunks cut anywhere.
 */
export class BackendTracker {
  /** Transaction status of the last ReadyForQuery ('I', 'T', 'E'), or undefined before one. */
  status: string | undefined;
  /** Header bytes of the message being read (type + length), while incomplete. */
  private head: number[] = [];
  /** Body bytes left in the message being read. */
  private left = 0;
  private inReady = false;
  private lastWasReady = false;

  /** Consumes bytes; returns how many ReadyForQuery messages completed in them. */
  push(bytes: Uint8Array): number {
    let ready = 0;
    let i = 0;
    while (i < bytes.length) {
      if (this.left > 0) {
        const n = Math.min(this.left, bytes.length - i);
        if (this.inReady) this.status = String.fromCharCode(bytes[i + n - 1] as number);
        this.left -= n;
        i += n;
        if (this.left === 0 && this.inReady) ready++;
        continue;
      }
      this.head.push(bytes[i] as number);
      i++;
      if (this.head.length < 5) continue;
      const [type, a, b, c, d] = this.head as [number, number, number, number, number];
      this.head = [];
      const len = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
      if (len < 4 || len > MAX_MESSAGE) throw new Error(`bad backend message length ${len}`);
      this.inReady = type === 0x5a && len === 5;
      this.lastWasReady = this.inReady;
      this.left = len - 4;
      if (this.left === 0 && this.inReady) ready++;
    }
    return ready;
  }

  /** Between messages, and the last one was a ReadyForQuery. */
  atBoundary(): boolean {
    return this.left === 0 && this.head.length === 0 && this.lastWasReady;
  }
}
