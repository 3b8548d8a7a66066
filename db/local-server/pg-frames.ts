/**
 * Splits a PostgreSQL frontend byte stream into whole messages, and reads the transaction status
 * of ReadyForQuery messages in a backend stream. Just enough of the wire protocol for the local
 * proxy to know where a message ends and when a session is idle (outside a transaction).
 */

export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

export type FrontendMessage =
  | { kind: 'startup'; bytes: Uint8Array }
  | { kind: 'ssl-request' }
  | { kind: 'cancel' }
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
        else if (code === CANCEL_REQUEST_CODE) out.push({ kind: 'cancel' });
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
  let status: string | undefined;
  let i = 0;
  while (i + 5 <= bytes.length) {
    const type = bytes[i] as number;
    const len =
      (((bytes[i + 1] as number) << 24) |
        ((bytes[i + 2] as number) << 16) |
        ((bytes[i + 3] as number) << 8) |
        (bytes[i + 4] as number)) >>>
      0;
    if (type === 0x5a /* Z */ && len === 5 && i + 6 <= bytes.length) {
      status = String.fromCharCode(bytes[i + 5] as number);
    }
    i += 1 + len;
  }
  return status;
}
