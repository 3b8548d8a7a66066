/**
 * RunStream: one per run (named `run:<id>`). Producers append chunks through the Worker
 * (`append`); viewers follow over Server-Sent Events (`fetch` /sse) or hibernatable WebSockets
 * (`fetch` /ws); when `run_completed` is stored the log is archived to R2 and served from there.
 * Logic lives in run-log-store.ts (numbering, dedupe, limits), run-token.ts (the producer's run
 * token, checked here so an append needs no database lookup), run-live.ts and run-viewers.ts
 * (one write per viewer per append, catch-up, back-pressure), run-archive.ts (R2) and
 * run-log-format.ts.
 *
 * Every viewer carries the identity the Worker authorised (run-access.ts); `revokeViewers` ends
 * those a repository's new read policy no longer covers, and every authorisation lapses after
 * RUN_VIEWER_GRANT_MS (default 5 minutes): the viewer is ended and reconnects, checked afresh.
 *
 * Survives eviction: the records (until archived), the per-step dedupe state and the run's
 * flags (SQLite); WebSocket viewers with their identities (hibernation). SSE connections do not: clients reconnect
 * with Last-Event-ID. A deleted instance loses nothing once archived: a fresh one finds the R2
 * index and serves from the archive.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../workers/env';
import { parseViewerIdentity, RUN_VIEWER_HEADER, type ViewerPolicy } from './run-access';
import { archiveKeys, archiveRun, readArchiveIndex } from './run-archive';
import { parseAfter, type Chunk } from './run-log-format';
import { grantLapsed, LiveFanOut, WS_GRANT_EXPIRED } from './run-live';
import { RunLogStore, type AppendOutcome, type LogLimits } from './run-log-store';
import { adoptToken, tokenAccepted, type ProducerAuth } from './run-token';

export interface AppendResult extends Omit<AppendOutcome, 'stored'> {
  verified: true;
  accepted: number;
  lastId: number;
  runBytes: number;
  stepBytes: Record<string, number>;
  archived: boolean;
  /** Whether the caller should record the byte counts in the database now. */
  reportBytes: boolean;
}

/** An append's answer: its result, or that the DO could not vouch for the producer's token. */
export type AppendReply = AppendResult | { verified: false };

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

const ARCHIVE_RETRY_MS = 5000;
const BYTES_REPORT_MS = 1000;

export class RunStream extends DurableObject<Env> {
  private store: RunLogStore;
  private readonly live: LiveFanOut;
  private bytesReportedAt = 0;
  /** How long a viewer's authorisation lasts before it must reconnect (RUN_VIEWER_GRANT_MS). */
  private readonly grantMs: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('ping', 'pong'));
    // SQLite calls are synchronous, so the state is loaded before any request is delivered.
    this.store = new RunLogStore(ctx.storage.sql, logLimitsOf(env));
    this.grantMs = num(env.RUN_VIEWER_GRANT_MS, 5 * 60_000);
    this.live = new LiveFanOut(ctx, () => this.store, env.BLOBS, {
      heartbeatMs: num(env.RUN_HEARTBEAT_MS, 15_000),
      maxQueuedBytes: num(env.RUN_VIEWER_MAX_QUEUED_BYTES, 1 << 20),
      grantMs: this.grantMs,
    });
  }

  /**
   * Appends a validated batch and fans it out, then archives the log when the run completed.
   * A token producer is checked here (see run-token.ts); when the DO cannot vouch for the token
   * nothing is written and the answer is `{verified: false}`: the Worker checks the database
   * and calls again with `adopt`.
   */
  async append(runId: string, chunks: Chunk[], auth: ProducerAuth): Promise<AppendReply> {
    const now = Date.now();
    if (auth.kind === 'token') {
      if (auth.adopt) {
        const { hash, epoch } = auth.adopt;
        this.ctx.storage.transactionSync(() => adoptToken(this.store, hash, epoch));
      } else if (!tokenAccepted(this.store, auth.tokenHash, now)) {
        return { verified: false };
      }
    }
    await this.ensureKnown(runId);
    const wasCompleted = this.store.completed;
    let outcome: AppendOutcome;
    try {
      outcome = this.ctx.storage.transactionSync(() => this.store.append(chunks, now));
    } catch (err) {
      // The transaction rolled back; reload the cached state from storage.
      this.store = new RunLogStore(this.ctx.storage.sql, logLimitsOf(this.env));
      throw err;
    }
    const completing = outcome.completed && !wasCompleted;
    this.live.push(outcome.stored, completing);
    if (completing) {
      this.live.closeAll();
      await this.archive();
    }
    const { stored, ...rest } = outcome;
    // Byte counts go to the database with lifecycle events and at most once a second otherwise.
    const lifecycle = chunks.some((c) => c.seq === undefined);
    const reportBytes =
      stored.length > 0 && (lifecycle || now - this.bytesReportedAt >= BYTES_REPORT_MS);
    if (reportBytes) this.bytesReportedAt = now;
    return {
      verified: true,
      ...rest,
      accepted: stored.length,
      lastId: this.store.lastId,
      runBytes: this.store.runBytes,
      stepBytes: this.store.stepBytes(),
      archived: this.store.archived,
      reportBytes,
    };
  }

  /** Records the run's current token hash (at creation and at every claim, which rotates it). */
  async setToken(runId: string, tokenHash: string, epoch: number): Promise<boolean> {
    await this.ensureKnown(runId);
    return this.ctx.storage.transactionSync(() => adoptToken(this.store, tokenHash, epoch));
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
    if (this.live.size >= max) {
      return new Response(`this run already has ${max} viewers`, {
        status: 429,
        headers: { 'Retry-After': '5' },
      });
    }
    // Set by the Worker after it authorised the viewer; kept so a change of access can end it.
    const who = parseViewerIdentity(request.headers.get(RUN_VIEWER_HEADER));
    if (url.pathname === '/sse') return this.live.openSse(runId, after, who);
    if (url.pathname === '/ws') {
      if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
        return new Response('expected a WebSocket upgrade', { status: 426 });
      }
      const { 0: client, 1: server } = new WebSocketPair();
      this.ctx.acceptWebSocket(server);
      server.serializeAttachment({ runId, who, expires: Date.now() + this.grantMs });
      this.live.wsCatchUp(server, runId, after);
      return new Response(null, { status: 101, webSocket: client });
    }
    return new Response('not found', { status: 404 });
  }

  /**
   * Access to the run's repository changed: every viewer `policy` no longer covers is ended (SSE
   * streams close, WebSockets close with 1008). Returns how many were ended.
   */
  async revokeViewers(policy: ViewerPolicy): Promise<number> {
    return this.live.revoke(policy);
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
    if (grantLapsed(ws, Date.now())) {
      ws.close(WS_GRANT_EXPIRED, 'authorisation expired: reconnect');
      return;
    }
    const { runId } = (ws.deserializeAttachment() ?? {}) as { runId?: string };
    this.live.wsCatchUp(ws, runId ?? '', after);
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
    await this.live.readArchive(runId, after, (_id, _e, line) => lines.push(line) < limit);
    return { lines, completed: true };
  }

  async snapshot(runId: string): Promise<StreamSnapshot> {
    await this.ensureKnown(runId);
    return {
      lastId: this.store.lastId,
      completed: this.store.completed,
      archived: this.store.archived,
      sseViewers: this.live.sse.size,
      wsViewers: this.ctx.getWebSockets().length,
      dropped: this.live.sse.dropped,
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
      this.live.knowIndex(await archiveRun(this.store, this.env.BLOBS, runId, new Date()));
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
    if (index) this.live.knowIndex(index);
    this.ctx.storage.transactionSync(() => {
      this.store.setMeta('run_id', runId);
      if (index) {
        this.store.setMeta('last_id', String(index.last_id));
        this.store.setMeta('completed', '1');
        this.store.setMeta('archived', '1');
      }
    });
  }
}

export { archiveKeys };
