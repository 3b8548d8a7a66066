/**
 * Live run viewers for end-to-end tests that watch a stream over time: an SSE or WebSocket
 * connection whose records are collected as they arrive, with waits on observable events (a
 * record matching a predicate, the end of the stream). The timeouts only bound a failure.
 */
import WebSocket from 'ws';

export interface LiveRecord {
  id: number;
  event: string;
  [k: string]: unknown;
}

export interface LiveViewer {
  kind: 'sse' | 'ws';
  /** HTTP status of the opening answer (101 for an accepted WebSocket). */
  status: number;
  records: LiveRecord[];
  /** Resolves once a record matching `pred` has arrived; rejects after `ms` or at the end. */
  waitFor(pred: (r: LiveRecord) => boolean, ms?: number): Promise<LiveRecord>;
  /** Resolves with how the stream ended (an SSE end of body, a WebSocket close code). */
  ended: Promise<{ code?: number; reason?: string }>;
  /** Rejects unless the stream ends within `ms`. */
  waitEnd(ms?: number): Promise<{ code?: number; reason?: string }>;
  close(): void;
}

class Collector {
  records: LiveRecord[] = [];
  done = false;
  private waiters = new Set<() => void>();
  add(r: LiveRecord) {
    this.records.push(r);
    for (const w of this.waiters) w();
  }
  finish() {
    this.done = true;
    for (const w of this.waiters) w();
  }
  waitFor(pred: (r: LiveRecord) => boolean, ms: number): Promise<LiveRecord> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.records.find(pred);
        if (hit) return finish(() => resolve(hit));
        if (this.done) return finish(() => reject(new Error('stream ended before the record')));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no matching record within ${ms} ms`))),
        ms,
      );
      const finish = (f: () => void) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        f();
      };
      this.waiters.add(check);
      check();
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Opens an SSE viewer; resolves once the response headers arrived. */
export async function openSseViewer(
  url: string,
  headers: Record<string, string> = {},
): Promise<LiveViewer> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  const col = new Collector();
  let resolveEnd: (v: { code?: number; reason?: string }) => void = () => undefined;
  const ended = new Promise<{ code?: number; reason?: string }>((r) => (resolveEnd = r));
  const pump = async () => {
    if (res.status !== 200 || !res.body) {
      await res.body?.cancel();
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buf += value;
      let cut: number;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = frame
          .split('\n')
          .find((l) => l.startsWith('data: '))
          ?.slice(6);
        if (data !== undefined) col.add(JSON.parse(data) as LiveRecord);
      }
    }
  };
  void pump()
    .catch((err: unknown) => ({ reason: String(err) }))
    .then((how) => {
      col.finish();
      resolveEnd(how ?? {});
    });
  return {
    kind: 'sse',
    status: res.status,
    records: col.records,
    waitFor: (pred, ms = 10_000) => col.waitFor(pred, ms),
    ended,
    waitEnd: (ms = 5_000) => withTimeout(ended, ms, 'the end of the SSE stream'),
    close: () => ac.abort(),
  };
}

/** Opens a WebSocket viewer; resolves once it is open (or refused: status then says how). */
export async function openWsViewer(
  url: string,
  headers: Record<string, string> = {},
): Promise<LiveViewer> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
  const col = new Collector();
  let resolveEnd: (v: { code?: number; reason?: string }) => void = () => undefined;
  const ended = new Promise<{ code?: number; reason?: string }>((r) => (resolveEnd = r));
  ws.on('close', (code, reason) => {
    clearInterval(closing);
    col.finish();
    resolveEnd({ code, reason: reason.toString() });
  });
  // The server's close frame is the end of the stream. `ws` answers it at once but reports
  // 'close' only when the server also ends the TCP connection, which wrangler dev does ~10 s
  // later; so once the frame is in (readyState CLOSING) the socket is dropped here, and 'close'
  // reports the server's code and reason.
  const closing = setInterval(() => {
    if (ws.readyState === WebSocket.CLOSING) ws.terminate();
  }, 20);
  ws.on('message', (data) => {
    const text = (data as Buffer).toString();
    const parsed = JSON.parse(text) as LiveRecord;
    if (typeof parsed.id === 'number') col.add(parsed);
  });
  const status = await new Promise<number>((resolve) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      col.finish();
      resolveEnd({ reason: `HTTP ${res.statusCode ?? 0}` });
    });
    ws.once('error', (err) => {
      resolve(0);
      col.finish();
      resolveEnd({ reason: String(err) });
    });
  });
  return {
    kind: 'ws',
    status,
    records: col.records,
    waitFor: (pred, ms = 10_000) => col.waitFor(pred, ms),
    ended,
    waitEnd: (ms = 5_000) => withTimeout(ended, ms, 'the close of the WebSocket'),
    close: () => ws.terminate(),
  };
}
