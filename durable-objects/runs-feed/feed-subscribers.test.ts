import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FeedSubscribers, runFrame, type FeedRun } from './feed-subscribers';

const opts = { max: 2, heartbeatMs: 1000, lifetimeMs: 5000, maxQueuedBytes: 1 << 20 };

const run = (id: number, status: string, at: number, attempt = 1): FeedRun => ({
  id,
  status,
  updated_at: new Date(at).toISOString(),
  run_attempt: attempt,
});

/** Reads what a stream has so far, and whether it ended. */
async function drain(s: ReadableStream<Uint8Array>): Promise<{ text: string; done: boolean }> {
  const reader = s.getReader();
  const dec = new TextDecoder();
  let text = '';
  for (;;) {
    const r = await Promise.race([
      reader.read(),
      new Promise<undefined>((res) => setTimeout(() => res(undefined), 5)),
    ]);
    if (r === undefined) {
      reader.releaseLock();
      return { text, done: false };
    }
    if (r.done) return { text, done: true };
    text += dec.decode(r.value);
  }
}

describe('runs feed subscribers', () => {
  beforeEach(() =>
    vi.useFakeTimers({ now: 1_000_000, toFake: ['setInterval', 'clearInterval', 'Date'] }),
  );
  afterEach(() => vi.useRealTimers());

  it('fans each change out to every subscriber, in order', async () => {
    const feed = new FeedSubscribers(opts);
    const a = feed.open();
    const b = feed.open();
    if (!a || !b) throw new Error('refused');
    expect(feed.publish([run(7, 'queued', 1), run(8, 'queued', 1)])).toBe(2);
    expect(feed.publish([run(7, 'in_progress', 2)])).toBe(1);
    const want = `retry: 1000\n: connected\n\n${runFrame(run(7, 'queued', 1))}${runFrame(run(8, 'queued', 1))}${runFrame(run(7, 'in_progress', 2))}`;
    expect((await drain(a)).text).toBe(want);
    expect((await drain(b)).text).toBe(want);
    expect(runFrame(run(7, 'queued', 1))).toMatch(/^event: run\nid: 7\ndata: \{"id":7,/);
    feed.closeAll();
  });

  it('refuses a subscriber past the limit', () => {
    const feed = new FeedSubscribers(opts);
    expect(feed.open()).toBeDefined();
    expect(feed.open()).toBeDefined();
    expect(feed.open()).toBeUndefined();
    expect(feed.size).toBe(2);
    feed.closeAll();
    expect(feed.size).toBe(0);
    expect(feed.open()).toBeDefined();
    feed.closeAll();
  });

  it('ends the subscribers a narrowed read policy no longer covers', async () => {
    const feed = new FeedSubscribers({ ...opts, max: 4 });
    const owner = feed.open({ u: '1', s: true }) as ReadableStream<Uint8Array>;
    const bob = feed.open({ u: '2', s: true }) as ReadableStream<Uint8Array>;
    const noScope = feed.open({ u: '1', s: false }) as ReadableStream<Uint8Array>;
    const anon = feed.open() as ReadableStream<Uint8Array>;
    expect(feed.revoke({ public: true, readers: [] })).toBe(0);
    expect(feed.revoke({ public: false, readers: ['1'] })).toBe(3);
    expect(feed.size).toBe(1);
    feed.publish([run(7, 'queued', 1)]);
    expect((await drain(owner)).text).toContain('"id":7');
    for (const gone of [bob, noScope, anon]) {
      const seen = await drain(gone);
      expect(seen.done).toBe(true);
      expect(seen.text).not.toContain('"id":7');
    }
    feed.closeAll();
  });

  it('does not send a change older than one already sent for that run', () => {
    const feed = new FeedSubscribers(opts);
    expect(feed.publish([run(1, 'in_progress', 10)])).toBe(1);
    // The report's "queued" overtaken by the claim's "in progress".
    expect(feed.publish([run(1, 'queued', 5)])).toBe(0);
    // Clocks do not count (publishers' clocks differ): the status's rank orders them.
    expect(feed.publish([run(1, 'queued', 99)])).toBe(0);
    expect(feed.publish([run(1, 'completed', 1)])).toBe(1);
    expect(feed.publish([run(1, 'completed', 2)])).toBe(1);
    // A requeue is a new attempt, so it is news even at an earlier clock.
    expect(feed.publish([run(1, 'queued', 9, 2)])).toBe(1);
    // Unparseable or missing times do not throw.
    expect(feed.publish([{ id: 2, status: 'queued', updated_at: null }])).toBe(1);
    expect(feed.publish([{ id: 3, status: 'weird', updated_at: 'not a date' }])).toBe(1);
  });

  it('sends keep-alives and ends each stream at its lifetime', async () => {
    const feed = new FeedSubscribers(opts);
    const a = feed.open();
    if (!a) throw new Error('refused');
    vi.advanceTimersByTime(1000);
    expect((await drain(a)).text).toContain(': keep-alive\n\n');
    const b = feed.open(); // opened 1 s later, so it lives 1 s longer
    if (!b) throw new Error('refused');
    vi.advanceTimersByTime(4000);
    expect(feed.size).toBe(1);
    expect((await drain(a)).done).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(feed.size).toBe(0);
    expect((await drain(b)).done).toBe(true);
  });

  it('drops a subscriber that does not read', async () => {
    const feed = new FeedSubscribers({ ...opts, maxQueuedBytes: 4096 });
    const slow = feed.open();
    const fast = feed.open();
    if (!slow || !fast) throw new Error('refused');
    const big = { ...run(1, 'queued', 1), pad: 'x'.repeat(1500) };
    for (let i = 0; i < 5; i++) {
      feed.publish([{ ...big, id: i + 1 }]);
      await drain(fast);
    }
    expect(feed.dropped).toBe(1);
    expect(feed.size).toBe(1);
    feed.closeAll();
  });

  it('survives random publishes (ids, statuses, times)', () => {
    const feed = new FeedSubscribers(opts);
    const statuses = ['queued', 'in_progress', 'completed', '', 'x'];
    for (let i = 0; i < 20_000; i++) {
      const at = Math.random() < 0.05 ? 'garbage' : new Date(Math.random() * 1e12).toISOString();
      feed.publish([
        {
          id: Math.floor(Math.random() * 6000),
          status: statuses[i % statuses.length] as string,
          updated_at: Math.random() < 0.05 ? null : at,
          run_attempt: Math.floor(Math.random() * 3),
        },
      ]);
    }
    expect(feed.size).toBe(0);
  });
});
