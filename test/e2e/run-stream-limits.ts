/**
 * Run-stream limits, run on the small-limits stack of limits.test.ts (its `RUN_STREAM_LIMIT_VARS`):
 * the SSE heartbeat comment (every second there), the max-viewers answer, and a slow SSE viewer
 * dropped without holding up the producer or the other viewers, then resuming by id.
 */
import http from 'node:http';
import { expect, vi } from 'vitest';
import WebSocket from 'ws';
import {
  OPERATOR,
  makeRun,
  outputs,
  post,
  readSse,
  type SseEvent,
} from '../../scripts/clients/run-stream-client';

export const RUN_STREAM_LIMIT_VARS = {
  RUN_HEARTBEAT_MS: '1000',
  RUN_MAX_VIEWERS: '2',
  RUN_VIEWER_MAX_QUEUED_BYTES: '524288',
};

const lines = (events: SseEvent[]) => events.map((e) => e.data + '\n').join('');

/** Complete SSE frames of a text (a frame cut off at the end is not one). */
function framesOf(text: string): SseEvent[] {
  const parts = text.split('\n\n');
  parts.pop();
  const out: SseEvent[] = [];
  for (const frame of parts) {
    const ev: Partial<SseEvent> = {};
    for (const line of frame.split('\n')) {
      if (line.startsWith('id: ')) ev.id = Number(line.slice(4));
      else if (line.startsWith('event: ')) ev.event = line.slice(7);
      else if (line.startsWith('data: ')) ev.data = line.slice(6);
    }
    if (ev.id !== undefined && ev.event && ev.data !== undefined) out.push(ev as SseEvent);
  }
  return out;
}

function waitFor<T>(fn: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await fn();
      if (v === undefined) throw new Error(`timed out waiting for ${what}`);
      return v;
    },
    { timeout: ms, interval: 100 },
  );
}

async function streamState(base: string, runId: number) {
  const r = await fetch(`${base}/internal/runs/${runId}/stream`, { headers: OPERATOR });
  expect(r.status).toBe(200);
  return (await r.json()) as { dropped: number; sse_viewers: number; last_id: number };
}

/** An idle live stream gets a heartbeat comment every RUN_HEARTBEAT_MS and stays usable. */
export async function heartbeatOnIdleStream(base: string): Promise<void> {
  const run = await makeRun(base, { steps: ['s'] });
  await post(base, run, [{ event: 'run_started' }]);
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 20_000);
  try {
    const res = await fetch(`${run.api}/stream`, { signal: ac.signal });
    expect(res.status).toBe(200);
    if (!res.body) throw new Error('no body');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const readUntil = async (cond: () => boolean) => {
      while (!cond()) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`stream ended early: ${text}`);
        text += value;
      }
    };
    const beats = () => text.split(': heartbeat\n\n').length - 1;
    await readUntil(() => beats() >= 2);
    expect(framesOf(text).map((e) => e.event)).toEqual(['run_started']);
    // Still live after the heartbeats.
    await post(base, run, outputs('s', 1, ['after the heartbeats\n']));
    await readUntil(() => text.includes('after the heartbeats'));
    expect(framesOf(text).map((e) => e.id)).toEqual([1, 2]);
    await reader.cancel();
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

/** Past RUN_MAX_VIEWERS (SSE and WebSocket together) a viewer is told to come back later. */
export async function maxViewersAnswer(base: string): Promise<void> {
  const run = await makeRun(base, { steps: ['s'] });
  await post(base, run, [{ event: 'run_started' }]);
  const first = new AbortController();
  const sse = await fetch(`${run.api}/stream`, { signal: first.signal });
  expect(sse.status).toBe(200);
  const ws = new WebSocket(`${run.api.replace(/^http/, 'ws')}/stream/ws`);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  try {
    const refused = await fetch(`${run.api}/stream`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect(await refused.json()).toMatchObject({
      error: { code: 'too_many_viewers', message: expect.stringMatching(/already has 2 viewers/) },
    });
    const wsStatus = await new Promise<number>((resolve, reject) => {
      const extra = new WebSocket(`${run.api.replace(/^http/, 'ws')}/stream/ws`);
      extra.once('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        res.resume();
      });
      extra.once('open', () => reject(new Error('a third viewer was let in')));
      extra.once('error', () => undefined);
    });
    expect(wsStatus).toBe(429);
    // A viewer that leaves frees its place (noticed at the next heartbeat write at the latest).
    first.abort();
    const again = await waitFor(
      async () => {
        const r = await fetch(`${run.api}/stream`, { signal: AbortSignal.timeout(5000) });
        if (r.status === 200) return r;
        await r.body?.cancel();
        return undefined;
      },
      15_000,
      'a free viewer place',
    );
    await again.body?.cancel();
  } finally {
    first.abort();
    ws.close();
  }
}

/** An SSE viewer that reads the response headers and then stops reading until resumed. */
function stalledViewer(url: string): Promise<{ resume(): Promise<string> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`stalled viewer: ${res.statusCode}`));
      res.pause();
      resolve({
        resume: () =>
          new Promise<string>((done) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('error', () => undefined);
            res.on('close', () => done(text));
            res.resume();
          }),
      });
    });
    req.on('error', reject);
  });
}

/**
 * A viewer that stops reading is dropped once RUN_VIEWER_MAX_QUEUED_BYTES are waiting for it;
 * meanwhile the producer's appends and another viewer carry on, and the dropped viewer resumes
 * with Last-Event-ID and ends up with exactly the archived log.
 */
export async function slowViewerDropped(base: string): Promise<void> {
  const steps = ['a', 'b', 'c', 'd'];
  const run = await makeRun(base, { steps });
  await post(base, run, [{ event: 'run_started' }]);
  const slow = await stalledViewer(`${run.api}/stream`);
  let fastSeen: SseEvent[] = [];
  const fast = readSse(`${run.api}/stream`, {
    timeoutMs: 180_000,
    stop: (ev) => {
      fastSeen = ev;
      return false;
    },
  });
  fast.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
  // A live fast viewer may keep holding up to 4 of these writes; the stalled one fills its
  // connection's buffers and then the DO's 512 KiB allowance. 128 KiB chunks (under the 8 MiB
  // per-step and 32 MiB per-run limits) until the DO has dropped it.
  const big = (i: number) => `${String(i).padStart(6, '0')} ${'x'.repeat(128 * 1024 - 9)}\n`;
  let posted = 0;
  let dropped = 0;
  for (let i = 0; i < 200 && dropped === 0; i++) {
    const step = steps[Math.floor(i / 50)] as string;
    const r = await post(base, run, outputs(step, (i % 50) + 1, [big(i)]));
    expect(r.status).toBe(200);
    posted++;
    if (i % 4 === 3) dropped = (await streamState(base, run.runId)).dropped;
  }
  expect(dropped, `not dropped after ${posted} chunks of 128 KiB`).toBe(1);
  // The other viewer is live and has everything so far, while the slow one still reads nothing.
  const lastId = (await streamState(base, run.runId)).last_id;
  await waitFor(
    async () => (fastSeen.at(-1)?.id === lastId ? true : undefined),
    30_000,
    'the fast viewer to catch up',
  );
  await post(base, run, [{ event: 'run_completed', conclusion: 'success' }]);
  const all = await fast;
  expect(all.ended).toBe(true);
  expect(all.events.map((e) => e.id)).toEqual(all.events.map((_, i) => i + 1));

  // The dropped viewer reads what reached it, finds its stream cut short, and resumes by id.
  const partial = framesOf(await slow.resume());
  expect(partial.length).toBeGreaterThanOrEqual(1);
  expect(partial.map((e) => e.id)).toEqual(partial.map((_, i) => i + 1));
  expect(partial.at(-1)?.event).not.toBe('run_completed');
  const rest = await readSse(`${run.api}/stream`, {
    headers: { 'Last-Event-ID': String(partial.at(-1)?.id) },
    timeoutMs: 60_000,
  });
  expect(rest.ended).toBe(true);
  const archived = await (await fetch(`${run.api}/logs`)).text();
  expect(lines([...partial, ...rest.events])).toBe(archived);
  expect(lines(all.events)).toBe(archived);
}
