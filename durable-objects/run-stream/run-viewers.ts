/**
 * Server-Sent Events viewers of one run.
 *
 * A viewer first catches up (replays what it missed, a page at a time, each page written only
 * after the previous one was taken by the client) and then goes live: every new batch of records
 * is encoded once and the same bytes are written to all live viewers without waiting for any of
 * them. A live viewer that still has unread bytes and would pass `maxQueuedBytes` with the next
 * write is dropped (its stream is aborted); its browser reconnects with Last-Event-ID and catches
 * up again, so a slow viewer never slows the producer or the other viewers. A viewer with nothing
 * unread always takes the next batch, however large. Heartbeat comments go out every
 * `heartbeatMs`.
 *
 * The fan-out is the hot path (one write per viewer per batch): each viewer's stream is a native
 * IdentityTransformStream (no JS stream machinery per chunk), and its write-completion handlers
 * are made once per viewer, not per write. Measured in the run-stream benchmark: ~60–65 µs of
 * workerd CPU per viewer per batch, the same as bench/fixtures/fanout, a bare Durable Object
 * doing only this fan-out (59–70 µs), so the rest is the runtime's own price of a streamed
 * write. (The ~125–140 µs measured earlier included wrangler's local observability collector,
 * now off in every local stack.) Tried and not kept: a JS ReadableStream per viewer fed with
 * enqueue() (~5× the CPU per batch); holding the next batch until the previous one's writes
 * drained, globally or per viewer (no gain: the producer's next append already waits behind the
 * fan-out); a native tee (kj's tee waits for its slowest branch and fails every branch at its
 * buffer limit, which would undo the slow-viewer drop).
 *
 * Each viewer carries the identity the Worker authorised (run-access.ts), so a change of access
 * ends exactly the viewers it no longer covers (`endWhere`); their clients reconnect and are
 * authorised afresh. An authorisation also lapses after `grantMs` (checked with each heartbeat),
 * so access lost in ways nobody announces (a revoked token, a signed-out session) cannot keep a
 * stream open for long: the stream ends and EventSource reconnects with Last-Event-ID.
 *
 * Nothing here survives eviction: connections end with the instance and clients reconnect.
 */
import type { ViewerIdentity } from './run-access';
import { SSE_HEARTBEAT, sseFrame } from './run-log-format';

export interface ViewerOptions {
  heartbeatMs: number;
  maxQueuedBytes: number;
  /** How long one authorisation lasts; then the stream ends and the client reconnects. */
  grantMs: number;
}

/** Where a catching-up viewer reads from. */
export interface ReplaySource {
  /** Frames (already SSE-encoded) after `cursor`, with the id of the last; empty when caught up. */
  page(cursor: number): { frames: string; last: number } | undefined;
  /** The run is over and the archive is the only copy: stream from it, then close. */
  archived(): boolean;
  replayArchive(cursor: number, write: (frames: string) => Promise<void>): Promise<void>;
  completed(): boolean;
}

interface Viewer {
  who: ViewerIdentity;
  /** When its authorisation lapses (ms since the epoch). */
  expires: number;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  /** Bytes written but not yet taken by the client's connection. */
  queued: number;
  /** Sizes of the writes in flight, oldest first (writes complete in order). */
  sizes: number[];
  live: boolean;
  gone: boolean;
  onWritten: () => void;
  onFailed: () => void;
}

const encoder = new TextEncoder();

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

export class SseViewers {
  private readonly viewers = new Set<Viewer>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Viewers dropped for being too slow, since the instance started. */
  dropped = 0;

  constructor(private readonly opts: ViewerOptions) {}

  get size(): number {
    return this.viewers.size;
  }

  /** Opens a viewer that catches up from `after` and then follows live. */
  open(after: number, source: ReplaySource, who: ViewerIdentity): Response {
    const { readable, writable } = new IdentityTransformStream();
    const v: Viewer = {
      who,
      expires: Date.now() + this.opts.grantMs,
      writer: writable.getWriter(),
      queued: 0,
      sizes: [],
      live: false,
      gone: false,
      onWritten: () => {
        v.queued -= v.sizes.shift() ?? 0;
      },
      onFailed: () => this.remove(v),
    };
    this.viewers.add(v);
    this.startHeartbeat();
    void this.catchUp(v, after, source);
    return new Response(readable, { headers: SSE_HEADERS });
  }

  /** Sends already-encoded frames to every live viewer. */
  broadcast(frames: string): void {
    if (this.viewers.size === 0 || frames === '') return;
    this.writeLive(encoder.encode(frames));
  }

  /** Ends every live viewer's stream after what was already written (the run is over). */
  closeLive(): void {
    for (const v of this.viewers) if (v.live) this.end(v);
  }

  /** Ends the stream of every viewer (live or catching up) `drop` selects; returns how many. */
  endWhere(drop: (who: ViewerIdentity) => boolean): number {
    let n = 0;
    for (const v of this.viewers) {
      if (!drop(v.who)) continue;
      n++;
      this.end(v);
    }
    return n;
  }

  /** Ends the streams whose authorisation lapsed (checked with each heartbeat). */
  private endExpired(now: number): void {
    for (const v of this.viewers) if (v.expires <= now) this.end(v);
  }

  private writeLive(bytes: Uint8Array): void {
    const max = this.opts.maxQueuedBytes;
    const n = bytes.byteLength;
    for (const v of this.viewers) {
      if (!v.live) continue;
      if (v.queued > 0 && v.queued + n > max) {
        this.dropped++;
        this.remove(v);
        continue;
      }
      v.queued += n;
      v.sizes.push(n);
      v.writer.write(bytes).then(v.onWritten, v.onFailed);
    }
  }

  private async catchUp(v: Viewer, after: number, source: ReplaySource): Promise<void> {
    let cursor = after;
    try {
      // A first comment flushes the response headers to the client at once.
      await this.writeAndWait(v, `retry: 1000\n: connected\n\n`);
      for (;;) {
        if (v.gone) return;
        if (source.archived()) {
          await source.replayArchive(cursor, (frames) => this.writeAndWait(v, frames));
          return this.end(v);
        }
        const page = source.page(cursor);
        if (!page) {
          if (source.completed()) return this.end(v);
          // Caught up; from here broadcast() feeds it (no await since page(), so no gap).
          v.live = true;
          return;
        }
        cursor = page.last;
        await this.writeAndWait(v, page.frames);
      }
    } catch {
      this.remove(v);
    }
  }

  private writeAndWait(v: Viewer, text: string): Promise<void> {
    if (v.gone) return Promise.reject(new Error('viewer gone'));
    return v.writer.write(encoder.encode(text));
  }

  private end(v: Viewer): void {
    if (v.gone) return;
    v.gone = true;
    this.viewers.delete(v);
    v.writer.close().catch(() => undefined);
    this.stopHeartbeatIfIdle();
  }

  private remove(v: Viewer): void {
    if (v.gone) return;
    v.gone = true;
    this.viewers.delete(v);
    v.writer.abort('dropped').catch(() => undefined);
    this.stopHeartbeatIfIdle();
  }

  private startHeartbeat(): void {
    if (this.timer !== undefined) return;
    const beat = encoder.encode(SSE_HEARTBEAT);
    this.timer = setInterval(() => {
      this.endExpired(Date.now());
      this.writeLive(beat);
    }, this.opts.heartbeatMs);
  }

  private stopHeartbeatIfIdle(): void {
    if (this.viewers.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** Encodes stored records as SSE frames. */
export function framesOf(records: { id: number; event: string; line: string }[]): string {
  let out = '';
  for (const r of records) out += sseFrame(r.id, r.event, r.line);
  return out;
}
