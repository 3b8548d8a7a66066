/**
 * pkt-line framing (gitprotocol-common): 4 hex digits of total length, then payload; special
 * packets 0000 flush, 0001 delim, 0002 response-end. A streaming reader that never buffers more
 * than one packet plus the chunk being read, and side-band multiplexing for channel 1/2/3.
 */
import { concatBytes, fromUtf8, utf8 } from './bytes';
import { PktLineError } from './errors';

export { PktLineError };

/** Largest total pkt-line length (4 header bytes + 65516 payload bytes). */
export const MAX_PKT_LENGTH = 65520;
/** Largest side-band payload per pkt-line (one byte goes to the channel number). */
export const MAX_SIDE_BAND_DATA = 65515;

/** "0000". */
export const FLUSH_PKT = utf8('0000');
/** "0001" (protocol v2 section separator). */
export const DELIM_PKT = utf8('0001');
/** "0002" (protocol v2 stateless end of response). */
export const RESPONSE_END_PKT = utf8('0002');

/** One decoded packet. */
export type Pkt =
  | { type: 'data'; data: Uint8Array }
  | { type: 'flush' }
  | { type: 'delim' }
  | { type: 'response-end' };

const HEX = '0123456789abcdef';

/** Encodes one data pkt-line (strings as UTF-8, sent as given: add the LF yourself). */
export function encodePktLine(data: Uint8Array | string): Uint8Array {
  const payload = typeof data === 'string' ? utf8(data) : data;
  const len = payload.length + 4;
  if (len > MAX_PKT_LENGTH) throw new PktLineError('pkt-line too long');
  const out = new Uint8Array(len);
  for (let i = 0; i < 4; i++) out[i] = HEX.charCodeAt((len >> (12 - 4 * i)) & 15);
  out.set(payload, 4);
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses the 4-byte length header at `at`; throws on non-hex digits. */
function readLength(b: Uint8Array, at: number): number {
  let n = 0;
  for (let i = 0; i < 4; i++) {
    const v = hexValue(b[at + i] as number);
    if (v < 0) throw new PktLineError('bad pkt-line length header');
    n = (n << 4) | v;
  }
  return n;
}

/**
 * Streaming pkt-line reader: `push` chunks, then call `next` until it returns undefined (needs
 * more bytes). Only the unread remainder of earlier chunks is kept.
 */
export class PktLineReader {
  private buf: Uint8Array = new Uint8Array(0);
  private pos = 0;
  private finished = false;

  /** Adds bytes to the input. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const rest = this.buf.subarray(this.pos);
    this.buf = rest.length === 0 ? chunk : concatBytes([rest, chunk]);
    this.pos = 0;
  }

  /** Marks the input finished: `next` then throws on a partial packet instead of waiting. */
  end(): void {
    this.finished = true;
  }

  /** Bytes received but not yet returned as packets. */
  get buffered(): number {
    return this.buf.length - this.pos;
  }

  /** The next packet, or undefined when more bytes are needed (or the finished input is empty). */
  next(): Pkt | undefined {
    const avail = this.buf.length - this.pos;
    if (avail < 4) return this.incomplete(avail);
    const len = readLength(this.buf, this.pos);
    if (len < 4) {
      this.pos += 4;
      if (len === 0) return { type: 'flush' };
      if (len === 1) return { type: 'delim' };
      if (len === 2) return { type: 'response-end' };
      throw new PktLineError('bad pkt-line length header');
    }
    if (len > MAX_PKT_LENGTH) throw new PktLineError('pkt-line too long');
    if (avail < len) return this.incomplete(avail);
    // Copy so the returned packet does not pin the whole chunk it came from.
    const data = this.buf.slice(this.pos + 4, this.pos + len);
    this.pos += len;
    return { type: 'data', data };
  }

  /** Returns and clears every byte after the last packet read (e.g. the pack after the commands). */
  takeRest(): Uint8Array {
    const rest = this.buf.subarray(this.pos);
    this.buf = new Uint8Array(0);
    this.pos = 0;
    return rest;
  }

  private incomplete(avail: number): undefined {
    if (this.finished && avail > 0) throw new PktLineError('truncated pkt-line');
    return undefined;
  }
}

/** Parses a whole (small) body into packets; throws on any partial packet at the end. */
export function parsePktLines(bytes: Uint8Array): Pkt[] {
  const reader = new PktLineReader();
  reader.push(bytes);
  reader.end();
  const out: Pkt[] = [];
  for (let p = reader.next(); p; p = reader.next()) out.push(p);
  return out;
}

/** A data packet's payload as UTF-8 without one trailing LF; special packets give "". */
export function pktLineText(p: Pkt): string {
  if (p.type !== 'data') return '';
  const d = p.data;
  const end = d.length > 0 && d[d.length - 1] === 10 ? d.length - 1 : d.length;
  return fromUtf8(d.subarray(0, end));
}

/** Wraps `data` in side-band pkt-lines on `channel`, at most `max` payload bytes each. */
export function encodeSideBand(
  channel: 1 | 2 | 3,
  data: Uint8Array,
  max = MAX_SIDE_BAND_DATA,
): Uint8Array {
  if (max < 1 || max > MAX_SIDE_BAND_DATA) throw new PktLineError('bad side-band packet size');
  const parts: Uint8Array[] = [];
  for (let at = 0; at < data.length || at === 0; at += max) {
    const piece = data.subarray(at, Math.min(at + max, data.length));
    const payload = new Uint8Array(piece.length + 1);
    payload[0] = channel;
    payload.set(piece, 1);
    parts.push(encodePktLine(payload));
    if (data.length === 0) break;
  }
  return concatBytes(parts);
}
