/**
 * The forwarder's pipelined appends against a loopback endpoint that holds appends and applies
 * them out of order (newest first, as a network may deliver them), or refuses one once (503, so
 * ControllerApi retries it after later ones landed). The endpoint applies each batch to a model
 * of RunStream's ordering rules (run-log-store.ts: per-step seq, out-of-order chunks held until
 * the gap fills, given up on past 256 held; lifecycle events stored as they come), and the test
 * checks that the log a viewer would read is exact: every step's output once, in order, and
 * every lifecycle event in the place it was pushed, relative to all output.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ExecutorEvent } from '../executor/events';
import { ControllerApi } from './api';
import { EventForwarder, MAX_IN_FLIGHT, OVERLAP_BATCH } from './forwarder';

type Chunk = Record<string, unknown> & { type: string; step_id?: string; seq?: number };

/**
 * At most this many chunks of a step may wait out of order in RunStream behind one append: half
 * of what RunStream holds before it gives up on a gap (256), so a retry always fills it in time.
 */
const HELD_BOUND = 128;

/** The line whose append the endpoint refuses once (when asked to). */
const REFUSE = 'refuse me\n';

/** RunStream's ordering rules, reduced to what a viewer sees. */
class LogModel {
  readonly log: string[] = [];
  maxHeld = 0;
  gaveUp = false;
  private readonly next = new Map<string, number>();
  private readonly held = new Map<string, Map<number, Chunk>>();
  private readonly lifecycle = new Set<string>();

  apply(chunks: Chunk[]): void {
    for (const c of chunks) {
      const step = c.step_id ?? '';
      if (c.seq === undefined) {
        const key = `${c.type}:${step}`;
        if (this.lifecycle.has(key)) continue;
        this.lifecycle.add(key);
        if (c.type === 'step_completed') this.flush(step);
        this.log.push(key);
        continue;
      }
      const next = this.next.get(step) ?? 1;
      if (c.seq < next) continue;
      const held = this.held.get(step) ?? new Map<number, Chunk>();
      this.held.set(step, held);
      if (c.seq > next) {
        held.set(c.seq, c);
        this.maxHeld = Math.max(this.maxHeld, held.size);
        if (held.size > 256) {
          this.gaveUp = true;
          this.flush(step);
        }
        continue;
      }
      this.store(step, c.seq);
      for (let n = c.seq + 1; held.delete(n); n++) this.store(step, n);
    }
  }

  private store(step: string, seq: number): void {
    this.log.push(`out:${step}:${seq}`);
    this.next.set(step, seq + 1);
  }

  /** Stores held chunks in seq order, marking gaps, as a completing step does. */
  private flush(step: string): void {
    const held = this.held.get(step);
    if (!held) return;
    for (const seq of [...held.keys()].sort((a, b) => a - b)) {
      if (seq !== (this.next.get(step) ?? 1)) this.log.push(`gap:${step}`);
      this.store(step, seq);
    }
    held.clear();
  }
}

interface Held {
  chunks: Chunk[];
  res: ServerResponse;
}

/** How the endpoint treats appends in the current test. */
const endpoint = {
  model: new LogModel(),
  held: [] as Held[],
  timer: undefined as NodeJS.Timeout | undefined,
  /** Answer 503 (without applying), once, to the append carrying the line marked REFUSE. */
  refuseMarked: false,
  refused: 0,
  /** Appends received (refused ones included). */
  arrivals: 0,
  /** Appends that arrived while another was unanswered. */
  overlapping: [] as Chunk[][],
  lifecycleOverlapped: false,
  maxHeld: 0,
};

function reset(refuseMarked = false): void {
  Object.assign(endpoint, {
    model: new LogModel(),
    held: [],
    refuseMarked,
    refused: 0,
    overlapping: [],
    lifecycleOverlapped: false,
    maxHeld: 0,
  });
}

/** Applies and answers every held append, newest first. */
function releaseAll(): void {
  clearTimeout(endpoint.timer);
  endpoint.timer = undefined;
  const held = endpoint.held.splice(0).reverse();
  for (const h of held) {
    endpoint.model.apply(h.chunks);
    h.res.writeHead(200, { 'content-type': 'application/json' }).end('{"next_seq":{}}');
  }
}

function onAppend(chunks: Chunk[], res: ServerResponse): void {
  endpoint.arrivals++;
  const lifecycle = chunks.some((c) => c.seq === undefined);
  if (endpoint.held.length > 0) {
    endpoint.overlapping.push(chunks);
    if (lifecycle || endpoint.held.some((h) => h.chunks.some((c) => c.seq === undefined))) {
      endpoint.lifecycleOverlapped = true;
    }
  }
  if (endpoint.refuseMarked && chunks.some((c) => c.data === REFUSE)) {
    endpoint.refuseMarked = false;
    endpoint.refused++;
    res.writeHead(503).end('busy');
    return;
  }
  endpoint.held.push({ chunks, res });
  endpoint.maxHeld = Math.max(endpoint.maxHeld, endpoint.held.length);
  // Hold until the window could be full, or briefly: later appends overtake earlier ones.
  if (endpoint.held.length >= MAX_IN_FLIGHT) releaseAll();
  else endpoint.timer ??= setTimeout(releaseAll, 100);
}

let server: Server;
let api: ControllerApi;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => onAppend((JSON.parse(body) as { chunks: Chunk[] }).chunks, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  const base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
  api = new ControllerApi({ baseUrl: base, secret: 's', retries: 3 });
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** Waits until the endpoint has received another append (the step prints at that pace). */
async function nextArrival(): Promise<void> {
  const seen = endpoint.arrivals;
  await vi.waitFor(() => expect(endpoint.arrivals).toBeGreaterThan(seen), {
    timeout: 5000,
    interval: 2,
  });
}
const out = (step: string, seq: number, data = `${step} line ${seq}\n`): ExecutorEvent => ({
  type: 'step_output',
  step_id: step,
  stream: 'stdout',
  seq,
  data,
});
const completed = (step: string): ExecutorEvent => ({
  type: 'step_completed',
  step_id: step,
  status: 'success',
  exit_code: 0,
  duration_ms: 1,
});

/** The key the model logs for an event. */
const keyOf = (e: ExecutorEvent): string =>
  e.type === 'step_output'
    ? `out:${e.step_id}:${e.seq}`
    : `${e.type}:${'step_id' in e ? e.step_id : ''}`;

/**
 * Two steps printing at once (single lines and bursts bigger than an overlapping append may
 * carry), a third started and completed between them; then, with nothing in flight, a line of
 * step a (marked REFUSE) and right behind it a burst of 150 more and a few lines every 60 ms
 * (longer than the refused append's retry takes). Returns the events in push order.
 */
async function runSteps(f: EventForwarder): Promise<ExecutorEvent[]> {
  const pushed: ExecutorEvent[] = [];
  const push = async (e: ExecutorEvent) => {
    pushed.push(e);
    await f.push(e);
  };
  await push({ type: 'run_started', workflow: 'w', steps: [] });
  await push({ type: 'step_started', step_id: 'a' });
  await push({ type: 'step_started', step_id: 'b' });
  let a = 0;
  let b = 0;
  for (let round = 0; round < 12; round++) {
    const burst = round % 4 === 1 ? 150 : 3;
    for (let i = 0; i < burst; i++) await push(out('a', ++a));
    await push(out('b', ++b));
    if (round === 5) {
      await push({ type: 'step_started', step_id: 'c' });
      await push(out('c', 1));
      await push(completed('c'));
    }
    await nextArrival();
  }
  await f.drain();
  await push(out('a', ++a, REFUSE));
  await vi.waitFor(() =>
    expect(endpoint.refused + Number(!endpoint.refuseMarked)).toBeGreaterThan(0),
  );
  for (let i = 0; i < 150; i++) await push(out('a', ++a));
  for (let round = 0; round < 10; round++) {
    await nextArrival();
    for (let i = 0; i < 5; i++) await push(out('a', ++a));
    await push(out('b', ++b));
  }
  await push(completed('a'));
  await push(completed('b'));
  await f.drain();
  return pushed;
}

/** The log holds every pushed event once, each lifecycle event where it was pushed. */
function expectExactLog(pushed: ExecutorEvent[]): void {
  const log = endpoint.model.log;
  expect(endpoint.model.gaveUp).toBe(false);
  expect(log.filter((k) => k.startsWith('gap:'))).toEqual([]);
  expect([...log].sort()).toEqual(pushed.map(keyOf).sort());
  for (const step of ['a', 'b', 'c']) {
    const mine = (keys: string[]) =>
      keys.filter((k) => k.endsWith(`:${step}`) || k.includes(`:${step}:`));
    expect(mine(log)).toEqual(mine(pushed.map(keyOf)));
  }
  const at = new Map(log.map((k, i) => [k, i]));
  pushed.forEach((e, i) => {
    if ('seq' in e) return;
    const pos = at.get(keyOf(e)) ?? -1;
    for (const before of pushed.slice(0, i)) expect(at.get(keyOf(before))).toBeLessThan(pos);
    for (const after of pushed.slice(i + 1)) expect(at.get(keyOf(after))).toBeGreaterThan(pos);
  });
}

describe('EventForwarder with appends in flight', () => {
  it('sends output while an append is unanswered, and the log stays exact out of order', async () => {
    reset();
    const pushed = await runSteps(new EventForwarder(api, 7, 'tok', false));
    expectExactLog(pushed);
    // It did overlap, within the window, with small batches and never a lifecycle event.
    expect(endpoint.overlapping.length).toBeGreaterThan(0);
    expect(endpoint.maxHeld).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    for (const chunks of endpoint.overlapping) {
      expect(chunks.length).toBeLessThanOrEqual(OVERLAP_BATCH);
    }
    expect(endpoint.lifecycleOverlapped).toBe(false);
    expect(endpoint.model.maxHeld).toBeLessThanOrEqual(HELD_BOUND);
    expect((MAX_IN_FLIGHT - 1) * OVERLAP_BATCH).toBeLessThanOrEqual(HELD_BOUND);
  });

  it('keeps order and holds little when an append fails once and later ones land before its retry', async () => {
    reset(true);
    const pushed = await runSteps(new EventForwarder(api, 7, 'tok', false));
    expect(endpoint.refused).toBe(1);
    for (const chunks of endpoint.overlapping) {
      expect(chunks.length).toBeLessThanOrEqual(OVERLAP_BATCH);
    }
    expectExactLog(pushed);
    expect(endpoint.lifecycleOverlapped).toBe(false);
    expect(endpoint.model.maxHeld).toBeLessThanOrEqual(HELD_BOUND);
  });

  it('a line pushed while an append is in flight is sent before that append is answered', async () => {
    reset();
    const f = new EventForwarder(api, 7, 'tok', false);
    await f.push({ type: 'step_started', step_id: 'a' });
    await f.drain();
    // Hold the next append until a second one arrives (or give up after 5 s).
    endpoint.timer = setTimeout(releaseAll, 5000);
    await f.push(out('a', 1));
    await f.push(out('a', 2));
    await vi.waitFor(() => expect(endpoint.held.length).toBe(2), { timeout: 5000 });
    releaseAll();
    await f.drain();
    expect(endpoint.model.log).toEqual(['step_started:a', 'out:a:1', 'out:a:2']);
  });
});
