/**
 * The subscribers of one repository's runs feed (runs-feed.ts) and what they are sent.
 *
 * A subscriber is an SSE stream: it gets `event: run` frames as the Worker publishes run changes,
 * a keep-alive comment every `heartbeatMs`, and its stream ends after `lifetimeMs` (checked with
 * each keep-alive) so that its client reconnects and is authorised afresh: access lost without an
 * announcement (a revoked token, a repository made private) cannot keep a stream open for long.
 * At most `max` subscribers are held; past that `open` refuses. A subscriber that has more than
 * `maxQueuedBytes` unread is dropped (its client reconnects), so a slow one never holds the others.
 *
 * Publishes from different Worker requests may arrive out of order (a claim's "in progress" can
 * overtake the report's "queued" of the same run). A change older than the last one sent for
 * that run (by attempt, then status: `versionOf`) is not sent (`isStale`; the last few thousand
 * runs are remembered).
 *
 * Each subscriber keeps the identity the Worker authorised; when access to the repository narrows,
 * the Worker sends its new read policy and the subscribers it no longer covers are ended
 * (`revoke`, as RunStream ends a run's viewers), besides the lifetime above.
 *
 * Nothing is stored: subscribers and what was sent end with the instance; clients reconnect.
 */
import { mayView, NOBODY, type ViewerIdentity, type ViewerPolicy } from '../run-stream/run-access';

/** What a publish carries for one run: the run's API view (as the runs list shows it). */
export interface FeedRun {
  id: number;
  status: string;
  updated_at: string | null;
  run_attempt?: number;
  [k: string]: unknown;
}

export interface FeedOptions {
  max: number;
  heartbeatMs: number;
  lifetimeMs: number;
  maxQueuedBytes: number;
}

interface Subscriber {
  /** Who the Worker authorised (run-stream/run-access.ts): a change of access may end it. */
  who: ViewerIdentity;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  expires: number;
  queued: number;
  gone: boolean;
}

const encoder = new TextEncoder();
const RANK: Record<string, number> = { queued: 0, in_progress: 1, completed: 2 };
const REMEMBERED_RUNS = 4096;

export const FEED_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

/** One SSE frame of a run change (`event: run`, the run's id as the event id). */
export function runFrame(run: FeedRun): string {
  return `event: run\nid: ${run.id}\ndata: ${JSON.stringify(run)}\n\n`;
}

/**
 * Ordering key of a change: its run attempt, then its status's rank. A run only moves forward
 * within an attempt (queued → in_progress → completed; a cancel or a failed evaluation goes
 * straight to completed) and a requeue starts a new attempt, so no clock is needed: the times
 * publishers stamp come from different clocks (the Worker's, the database's).
 */
function versionOf(run: FeedRun): [number, number] {
  const attempt = Number(run.run_attempt ?? 0);
  return [Number.isFinite(attempt) ? attempt : 0, RANK[run.status] ?? 0];
}

function older(a: [number, number], b: [number, number]): boolean {
  return a[0] !== b[0] ? a[0] < b[0] : a[1] < b[1];
}

export class FeedSubscribers {
  private readonly subs = new Set<Subscriber>();
  private readonly last = new Map<number, [number, number]>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Subscribers dropped for being too slow, since the instance started. */
  dropped = 0;

  constructor(
    private readonly opts: FeedOptions,
    private readonly now: () => number = () => Date.now(),
  ) {}

  get size(): number {
    return this.subs.size;
  }

  /** A new subscriber's stream, or undefined when the instance already holds `max`. */
  open(who: ViewerIdentity = NOBODY): ReadableStream<Uint8Array> | undefined {
    if (this.subs.size >= this.opts.max) return undefined;
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const s: Subscriber = {
      who,
      writer: writable.getWriter(),
      expires: this.now() + this.opts.lifetimeMs,
      queued: 0,
      gone: false,
    };
    this.subs.add(s);
    this.startHeartbeat();
    // A first comment flushes the response headers to the client at once.
    this.write(s, encoder.encode(`retry: 1000\n: connected\n\n`));
    return readable;
  }

  /** Whether `run` is older than the last change sent for it (then it is not sent). */
  isStale(run: FeedRun): boolean {
    const v = versionOf(run);
    const seen = this.last.get(run.id);
    if (seen && older(v, seen)) return true;
    this.last.delete(run.id);
    this.last.set(run.id, v);
    if (this.last.size > REMEMBERED_RUNS) {
      const first = this.last.keys().next();
      if (!first.done) this.last.delete(first.value);
    }
    return false;
  }

  /** Sends the changes that are not stale to every subscriber; returns how many were sent. */
  publish(runs: FeedRun[]): number {
    let frames = '';
    let n = 0;
    for (const r of runs) {
      if (this.isStale(r)) continue;
      frames += runFrame(r);
      n++;
    }
    if (frames !== '' && this.subs.size > 0) this.broadcast(encoder.encode(frames));
    return n;
  }

  /**
   * Ends the streams of subscribers `policy` no longer covers (the repository's read access
   * narrowed: a collaborator removed, made private, deleted); returns how many. Their clients
   * reconnect and are authorised afresh.
   */
  revoke(policy: ViewerPolicy): number {
    let n = 0;
    for (const s of this.subs) {
      if (mayView(s.who, policy)) continue;
      this.end(s);
      n++;
    }
    return n;
  }

  /** Sends keep-alives and ends the streams whose lifetime is over. */
  tick(): void {
    const now = this.now();
    for (const s of this.subs) if (s.expires <= now) this.end(s);
    this.broadcast(encoder.encode(': keep-alive\n\n'));
  }

  /** Ends every stream (tests; an instance shutting down). */
  closeAll(): void {
    for (const s of this.subs) this.end(s);
  }

  private broadcast(bytes: Uint8Array): void {
    for (const s of this.subs) {
      if (s.queued > 0 && s.queued + bytes.byteLength > this.opts.maxQueuedBytes) {
        this.dropped++;
        this.drop(s);
        continue;
      }
      this.write(s, bytes);
    }
  }

  private write(s: Subscriber, bytes: Uint8Array): void {
    s.queued += bytes.byteLength;
    s.writer.write(bytes).then(
      () => {
        s.queued -= bytes.byteLength;
      },
      () => this.drop(s),
    );
  }

  private end(s: Subscriber): void {
    if (s.gone) return;
    s.gone = true;
    this.subs.delete(s);
    s.writer.close().catch(() => undefined);
    this.stopHeartbeatIfIdle();
  }

  private drop(s: Subscriber): void {
    if (s.gone) return;
    s.gone = true;
    this.subs.delete(s);
    s.writer.abort('dropped').catch(() => undefined);
    this.stopHeartbeatIfIdle();
  }

  private startHeartbeat(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.tick(), this.opts.heartbeatMs);
  }

  private stopHeartbeatIfIdle(): void {
    if (this.subs.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
