import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bell, CLOCK_SLACK_MS } from './bell';

describe('claims doorbell', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('wakes every waiter at a ring, each with a mark past it', async () => {
    const bell = new Bell('a', () => Date.now());
    vi.advanceTimersByTime(5000);
    const since = { at: Date.now() };
    const one = bell.wait(since, 5000);
    const two = bell.wait(since, 5000);
    expect(bell.waiting).toBe(2);
    expect(bell.ring()).toBe(2);
    expect(await one).toEqual({ rang: true, mark: { incarnation: 'a', seq: 1 } });
    expect(await two).toEqual({ rang: true, mark: { incarnation: 'a', seq: 1 } });
    expect(bell.waiting).toBe(0);
  });

  it('answers unrung at the timeout and forgets the waiter', async () => {
    const bell = new Bell('a', () => Date.now());
    vi.advanceTimersByTime(5000);
    const waited = bell.wait({ at: Date.now() }, 2000);
    vi.advanceTimersByTime(1999);
    expect(bell.waiting).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await waited).toEqual({ rang: false, mark: { incarnation: 'a', seq: 0 } });
    expect(bell.waiting).toBe(0);
    expect(bell.ring()).toBe(0);
  });

  it('does not lose a ring between two waits of one claim', async () => {
    const bell = new Bell('a', () => Date.now());
    vi.advanceTimersByTime(5000);
    const first = bell.wait({ at: Date.now() }, 5000);
    bell.ring();
    const { mark } = await first;
    bell.ring(); // while the claim looked at the queue
    expect(await bell.wait({ mark }, 5000)).toMatchObject({ rang: true, mark: { seq: 2 } });
    // Nothing since: it waits.
    const next = bell.wait({ mark: { incarnation: 'a', seq: 2 } }, 5000);
    expect(bell.waiting).toBe(1);
    bell.ring();
    expect(await next).toMatchObject({ rang: true });
  });

  it('wakes at once a first wait that started looking just after a ring, or a new bell', async () => {
    const bell = new Bell('a', () => Date.now());
    // A new bell may have lost rings of its previous incarnation.
    expect(await bell.wait({ at: Date.now() }, 5000)).toMatchObject({ rang: true });
    vi.advanceTimersByTime(10_000);
    bell.ring();
    vi.advanceTimersByTime(CLOCK_SLACK_MS - 1);
    expect(await bell.wait({ at: Date.now() }, 5000)).toMatchObject({ rang: true });
    vi.advanceTimersByTime(2);
    const later = bell.wait({ at: Date.now() }, 5000);
    expect(bell.waiting).toBe(1);
    bell.ring();
    await later;
  });

  it('wakes at once a waiter whose mark is of another incarnation', async () => {
    const bell = new Bell('b', () => Date.now());
    const answer = await bell.wait({ mark: { incarnation: 'a', seq: 9 } }, 5000);
    expect(answer).toEqual({ rang: true, mark: { incarnation: 'b', seq: 0 } });
  });
});
