/**
 * The run-stream benchmark's SSE viewer: one response read straight off a TCP socket (HTTP/1.1
 * head, chunked transfer coding and `\n\n`-separated frames parsed on the bytes; a frame boundary
 * is ASCII, so no text decoding is needed), which keeps 1,000 viewers' client cost well below
 * node:http's stream machinery. It behaves like EventSource: when the connection ends before
 * run_completed (e.g. the server dropped it for reading too slowly) it reconnects with
 * Last-Event-ID. It checks that ids arrive one by one (exactly once, in order) and takes each
 * output's latency from the send time the producer wrote into its data (`<ms>|…`).
 */
import net from 'node:net';
import type { Histogram } from './histogram';

/**
 * Milliseconds on the process-wide monotonic clock. The producer stamps chunks with it and viewer
 * threads read it too; unlike `performance.now()` it has one origin in every thread.
 */
export const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

export interface ViewerStats {
  outputs: number;
  inOrder: boolean;
  ended: boolean;
  /** Reconnections (with Last-Event-ID) after the server dropped a slow viewer. */
  reconnects: number;
}

/** Frames of one SSE response; each is handed to `onFrame` with the time its bytes arrived. */
export class SseSocketReader {
  status = 0;
  private head = Buffer.alloc(0);
  private chunked = false;
  /** Bytes left in the current chunk; -1 while reading a chunk-size line. */
  private left = -1;
  private line = '';
  /** Bytes to skip: the CRLF after a chunk's data. */
  private skip = 0;
  private rest = Buffer.alloc(0);

  constructor(
    private readonly onFrame: (buf: Buffer, start: number, end: number, t: number) => void,
  ) {}

  /** Feeds bytes from the socket; returns false once the response ended (last chunk). */
  feed(data: Buffer, t: number): boolean {
    let buf = data;
    if (this.status === 0) {
      this.head = Buffer.concat([this.head, buf]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return true;
      const text = this.head.toString('latin1', 0, end);
      this.status = Number(text.slice(9, 12));
      this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
      buf = this.head.subarray(end + 4);
      this.head = Buffer.alloc(0);
    }
    if (!this.chunked) {
      this.body(buf, t);
      return true;
    }
    let i = 0;
    while (i < buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        this.skip -= n;
        i += n;
      } else if (this.left < 0) {
        const nl = buf.indexOf(10, i);
        this.line += buf.toString('latin1', i, nl < 0 ? buf.length : nl);
        if (nl < 0) return true;
        i = nl + 1;
        const size = parseInt(this.line, 16);
        this.line = '';
        if (size === 0) return false;
        this.left = size;
      } else {
        const n = Math.min(this.left, buf.length - i);
        this.body(buf.subarray(i, i + n), t);
        i += n;
        this.left -= n;
        if (this.left === 0) {
          this.left = -1;
          this.skip = 2;
        }
      }
    }
    return true;
  }

  private body(piece: Buffer, t: number): void {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, piece]) : piece;
    let start = 0;
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n', start)) {
      this.onFrame(buf, start, end, t);
      start = end + 2;
    }
    // Copied: `piece` may be a view of a socket buffer that is reused.
    this.rest = Buffer.from(buf.subarray(start));
  }
}

const ID = Buffer.from('id: ');
const COMPLETED = Buffer.from('event: run_completed');
const DATA = Buffer.from('"data":"');

/**
 * Follows `url` until run_completed (reconnecting after drops), `stopped()` or 15 minutes;
 * `connected` is called once, when the first response is a 200.
 */
export async function sseViewer(
  url: string,
  hist: Histogram,
  connected: () => void,
  stopped: () => boolean,
): Promise<ViewerStats> {
  const stats: ViewerStats = { outputs: 0, inOrder: true, ended: false, reconnects: 0 };
  const target = new URL(url);
  let last = 0;
  let first = true;
  const onFrame = (buf: Buffer, start: number, end: number, t: number): void => {
    if (buf.compare(ID, 0, ID.length, start, start + ID.length) !== 0) return;
    let id = 0;
    let i = start + ID.length;
    for (let c = buf[i]; c !== undefined && c >= 48 && c <= 57; c = buf[++i]) id = id * 10 + c - 48;
    if (id !== last + 1) stats.inOrder = false;
    last = id;
    const nl = i + 1;
    if (buf.compare(COMPLETED, 0, COMPLETED.length, nl, nl + COMPLETED.length) === 0) {
      stats.ended = true;
    }
    const d = buf.indexOf(DATA, nl);
    if (d < 0 || d > end) return;
    const bar = buf.indexOf(124, d); // '|'
    if (bar < 0 || bar > end) return;
    const sent = Number(buf.toString('latin1', d + DATA.length, bar));
    if (Number.isFinite(sent)) {
      stats.outputs++;
      hist.add(t - sent);
    }
  };
  const deadline = nowMs() + 900_000;
  while (!stats.ended && nowMs() < deadline && !stopped()) {
    await new Promise<void>((resolve) => {
      const reader = new SseSocketReader(onFrame);
      const socket = net.connect(Number(target.port), target.hostname);
      socket.setNoDelay(true);
      let done = false;
      const finish = (delay = 0) => {
        if (done) return;
        done = true;
        socket.destroy();
        setTimeout(resolve, delay);
      };
      socket.on('connect', () => {
        const resume = last > 0 ? `Last-Event-ID: ${last}\r\n` : '';
        socket.write(
          `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
            `Accept: text/event-stream\r\n${resume}\r\n`,
        );
      });
      socket.on('data', (data: Buffer) => {
        const t = nowMs();
        const open = reader.feed(data, t);
        if (reader.status !== 0 && reader.status !== 200) return finish(500);
        if (reader.status === 200 && first) {
          first = false;
          connected();
        }
        if (!open) finish();
      });
      socket.on('end', () => finish());
      socket.on('error', () => finish(200));
      socket.on('close', () => finish());
    });
    if (!stats.ended) stats.reconnects++;
  }
  return stats;
}
