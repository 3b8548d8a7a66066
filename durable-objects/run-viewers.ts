/**
 * Server-Sent Events viewers of one run.
 *
 * A viewer first catches up (replays what it missed, a page at a time, each page written only
 * after the previous one was taken by the client) and then goes live: every new batch of records
 * is encoded once and written to all live viewers without waiting for any of them. A live viewer
 * whose unread bytes pass `maxQueuedBytes` is dropped (its stream is aborted); its browser
 * reconnects with Last-Event-ID and catches up again, so a slow viewer never slows the producer
 * or the other viewers. Heartbeat comments go out every `heartbeatMs`.
 *
 * Nothing here survives eviction: connections end with the instance and clients reconnect.
 */
import { SSE_HEARTBEAT, sseFrame } from './run-log-format';

export interface ViewerOptions {
  heartbeatMs: number;
  maxQueuedBytes: number;
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
  writer: WritableStreamDefaultWriter<Uint8Array>;
  queued: number;
  live: boolean;
  gone: boolean;
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
  open(after: number, source: ReplaySource): Response {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const viewer: Viewer = { writer: writable.getWriter(), queued: 0, live: false, gone: false };
    this.viewers.add(viewer);
    this.startHeartbeat();
    void this.catchUp(viewer, after, source);
    return new Response(readable, { headers: SSE_HEADERS });
  }

  /** Sends already-encoded frames to every live viewer. */
  broadcast(frames: string): void {
    if (this.viewers.size === 0 || frames === '') return;
    const bytes = encoder.encode(frames);
    for (const v of this.viewers) if (v.live) this.write(v, bytes);
  }

  /** Ends every live viewer's stream after what was already written (the run is over). */
  closeLive(): void {
    for (const v of this.viewers) if (v.live) this.end(v);
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

  private write(v: Viewer, bytes: Uint8Array): void {
    if (v.gone) return;
    if (v.queued + bytes.length > this.opts.maxQueuedBytes) {
      this.dropped++;
      this.remove(v);
      return;
    }
    v.queued += bytes.length;
    v.writer.write(bytes).then(
      () => {
        v.queued -= bytes.length;
      },
      () => this.remove(v),
    );
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
      for (const v of this.viewers) if (v.live) this.write(v, beat);
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
