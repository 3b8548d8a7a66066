/**
 * RunStream: one per run (named `run:<id>`). Producers append chunks through the Worker
 * (`append`); viewers follow over Server-Sent Events (`fetch` /sse) or hibernatable WebSockets
 * (`fetch` /ws); when `run_completed` is stored the log is archived to R2 and served from there.
 * Logic lives in run-log-store.ts (numbering, dedupe, limits), run-viewers.ts (SSE fan-out and
 * back-pressure), run-archive.ts (R2) and run-log-format.ts (formats).
 *
 * Survives eviction: the records (until archived), the per-step dedupe state and the run's
 * flags (SQLite); WebSocket viewers (hibernation). SSE connections do not: clients reconnect
 * with Last-Event-ID. A deleted instance loses nothing once archived: a fresh one finds the R2
 * index and serves from the archive.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../workers/env';
import { archiveKeys, archiveRun, readArchiveIndex, readArchivedLines } from './run-archive';
import { parseAfter, sseFrame, type Chunk } from './run-log-format';
import { RunLogStore, type AppendOutcome, type LogLimits } from './run-log-store';
import { framesOf, SseViewers, type ReplaySource } from './run-viewers';

export interface AppendResult extends Omit<AppendOutcome, 'stored'> {
  accepted: number;
  lastId: number;
  runBytes: number;
  stepBytes: Record<string, number>;
  archived: boolean;
}

export interface StreamSnapshot {
  lastId: number;
  completed: boolean;
  archived: boolean;
  sseViewers: number;
  wsViewers: number;
  dropped: number;
}

const num = (v: string | undefined, d: number): number => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : d;
};

export function logLimitsOf(env: Env): LogLimits {
  return {
    maxStepBytes: num(env.RUN_LOG_MAX_STEP_BYTES, 8 << 20),
    maxRunBytes: num(env.RUN_LOG_MAX_RUN_BYTES, 32 << 20),
    maxPendingPerStep: 256,
  };
}

const PAGE = 500;
const ARCHIVE_RETRY_MS = 5000;

export class RunStream extends DurableObject<Env> {
  private store: RunLogStore;
  private readonly viewers: SseViewers;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.viewers = new SseViewers({
      heartbeatMs: num(env.RUN_HEARTBEAT_MS, 15_000),
      maxQueuedBytes: num(env.RUN_VIEWER_MAX_QUEUED_BYTES, 1 << 20),
    });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    // SQLite calls are synchronous, so the state is loaded before any request is delivered.
    this.store = new RunLogStore(ctx.storage.sql, logLimitsOf(env));
  }

  /** Appends a validated batch, fans it out, and archives the log when the run completed. */
  async append(runId: string, chunks: Chunk[]): Promise<AppendResult> {
    await this.ensureKnown(runId);
    const wasCompleted = this.store.completed;
    let outcome: AppendOutcome;
    try {
      outcome = this.ctx.storage.transactionSync(() => this.store.append(chunks, Date.now()));
    } catch (err) {
      // The transaction rolled back; reload the cached state from storage.
      this.store = new RunLogStore(this.ctx.storage.sql, logLimitsOf(this.env));
      throw err;
    }
    if (outcome.stored.length > 0) {
      this.viewers.broadcast(framesOf(outcome.stored));
      for (const ws of this.ctx.getWebSockets()) {
        try {
          for (const r of outcome.stored) ws.send(r.line);
        } catch {
          /* a closing socket; its close handler cleans up */
        }
      }
    }
    if (outcome.completed && !wasCompleted) {
      this.viewers.closeLive();
      for (const ws of this.ctx.getWebSockets()) ws.close(1000, 'run completed');
      await this.archive();
    }
    const { stored, ...rest } = outcome;
    return {
      ...rest,
      accepted: stored.length,
      lastId: this.store.lastId,
      runBytes: this.store.runBytes,
      stepBytes: this.store.stepBytes(),
      archived: this.store.archived,
    };
  }

  /** Viewer endpoints: /sse and /ws (`?run=<id>&after=<n>`, or Last-Event-ID). */
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const runId = url.searchParams.get('run') ?? '';
    await this.ensureKnown(runId);
    const after = Math.max(
      parseAfter(url.searchParams.get('after')),
      parseAfter(request.headers.get('Last-Event-ID')),
    );
    const max = num(this.env.RUN_MAX_VIEWERS, 2000);
    if (this.viewers.size + this.ctx.getWebSockets().length >= max) {
      return new Response(`this run already has ${max} viewers`, {
        status: 429,
        headers: { 'Retry-After': '5' },
      });
    }
    if (url.pathname === '/sse') return this.viewers.open(after, this.replaySource(runId));
    if (url.pathname === '/ws') {
      if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
        return new Response('expected a WebSocket upgrade', { status: 426 });
      }
      const { 0: client, 1: server } = new WebSocketPair();
      this.ctx.acceptWebSocket(server);
      server.serializeAttachment({ runId });
      this.wsCatchUp(server, runId, after);
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response('not found', { status: 404 });
  }

  /** A viewer asks to resume: `{"after": n}` replays everything after record n. */
  async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    let after: number | undefined;
    try {
      const m = JSON.parse(typeof message === 'string' ? message : '') as { after?: unknown };
      if (typeof m.after === 'number' && Number.isSafeInteger(m.after) && m.after >= 0) {
        after = m.after;
      }
    } catch {
      /* not JSON */
    }
    if (after === undefined) {
      ws.send(JSON.stringify({ error: 'send {"after": <last id seen>} to resume' }));
      return;
    }
    const { runId } = (ws.deserializeAttachment() ?? {}) as { runId?: string };
    this.wsCatchUp(ws, runId ?? '', after);
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, 'bye');
    } catch {
      /* already closed */
    }
  }

  /** The live log as NDJSON (undefined once archived: read R2 instead). */
  async liveLog(runId: string): Promise<string | undefined> {
    await this.ensureKnown(runId);
    if (this.store.archived) return undefined;
    let out = '';
    for (let after = 0; ;) {
      const page = this.store.recordsAfter(after, 5000);
      if (page.length === 0) return out;
      for (const r of page) out += r.line + '\n';
      after = page[page.length - 1]?.id ?? after;
    }
  }

  /** One step's live plain-text output (undefined once archived). */
  async liveStepText(runId: string, stepId: string): Promise<string | undefined> {
    await this.ensureKnown(runId);
    if (this.store.archived) return undefined;
    let out = '';
    for (let after = 0; ;) {
      const page = this.store.stepText(stepId, after, 5000);
      if (page.length === 0) return out;
      for (const r of page) out += r.text;
      after = page[page.length - 1]?.id ?? after;
    }
  }

  /** Records after `after` (at most `limit`), for polling clients. */
  async recordsAfter(
    runId: string,
    after: number,
    limit: number,
  ): Promise<{ lines: string[]; completed: boolean }> {
    await this.ensureKnown(runId);
    if (!this.store.archived) {
      const lines = this.store.recordsAfter(after, limit).map((r) => r.line);
      return { lines, completed: this.store.completed };
    }
    const lines: string[] = [];
    await readArchivedLines(this.env.BLOBS, runId, after, (_id, _e, line) => {
      if (lines.length < limit) lines.push(line);
    });
    return { lines, completed: true };
  }

  async snapshot(runId: string): Promise<StreamSnapshot> {
    await this.ensureKnown(runId);
    return {
      lastId: this.store.lastId,
      completed: this.store.completed,
      archived: this.store.archived,
      sseViewers: this.viewers.size,
      wsViewers: this.ctx.getWebSockets().length,
      dropped: this.viewers.dropped,
    };
  }

  /** Resets the instance as an eviction would (tests use it between chunks). */
  async restart(): Promise<void> {
    this.ctx.abort('restart requested');
  }

  async alarm(): Promise<void> {
    if (this.store.completed && !this.store.archived) await this.archive();
  }

  private async archive(): Promise<void> {
    const runId = this.store.getMeta('run_id');
    if (runId === undefined) return;
    try {
      await archiveRun(this.store, this.env.BLOBS, runId, new Date());
      this.ctx.storage.transactionSync(() => {
        this.store.setMeta('archived', '1');
        this.store.dropRecords();
      });
    } catch (err) {
      console.error(JSON.stringify({ msg: 'run log archive failed', runId, error: String(err) }));
      await this.ctx.storage.setAlarm(Date.now() + ARCHIVE_RETRY_MS);
    }
  }

  /** Remembers the run id; a fresh instance of an archived run adopts the R2 archive. */
  private async ensureKnown(runId: string): Promise<void> {
    if (this.store.getMeta('run_id') !== undefined || runId === '') return;
    const index =
      this.store.lastId === 0 ? await readArchiveIndex(this.env.BLOBS, runId) : undefined;
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta('run_id', runId);
      if (index) {
        this.store.setMeta('last_id', String(index.last_id));
        this.store.setMeta('completed', '1');
        this.store.setMeta('archived', '1');
      }
    });
  }

  private replaySource(runId: string): ReplaySource {
    const store = this.store;
    return {
      page: (cursor) => {
        const records = store.recordsAfter(cursor, PAGE);
        const last = records[records.length - 1];
        return last ? { frames: framesOf(records), last: last.id } : undefined;
      },
      archived: () => store.archived,
      completed: () => store.completed,
      replayArchive: async (cursor, write) => {
        let batch = '';
        await readArchivedLines(this.env.BLOBS, runId, cursor, async (id, event, line) => {
          batch += sseFrame(id, event, line);
          if (batch.length > 64 * 1024) {
            const b = batch;
            batch = '';
            await write(b);
          }
        });
        if (batch) await write(batch);
      },
    };
  }

  /** Sends a WebSocket viewer everything after `after`, then closes it if the run is over. */
  private wsCatchUp(ws: WebSocket, runId: string, after: number): void {
    const send = (line: string) => ws.send(line);
    if (this.store.archived) {
      void readArchivedLines(this.env.BLOBS, runId, after, (_id, _e, line) => send(line))
        .then(() => ws.close(1000, 'run completed'))
        .catch(() => ws.close(1011, 'archive unavailable'));
      return;
    }
    for (let cursor = after; ;) {
      const page = this.store.recordsAfter(cursor, PAGE);
      if (page.length === 0) break;
      for (const r of page) send(r.line);
      cursor = page[page.length - 1]?.id ?? cursor;
    }
    if (this.store.completed) ws.close(1000, 'run completed');
  }
}

export { archiveKeys };
