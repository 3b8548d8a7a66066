import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BellSince } from '../../../durable-objects/formats';
import type { BellWait } from './claim-bell';
import { CLAIM_FALLBACK_MS, READY, waitForClaim } from './claim-wait';

/** A bell like ClaimBell's (rung by the test), recording where each wait started from. */
function fakeBell() {
  let seq = 0;
  const waiters = new Set<() => void>();
  const since: BellSince[] = [];
  const wait: BellWait = (from, ms) => {
    since.push(from);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve({ rang: true, mark: { incarnation: 'x', seq } });
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        resolve({ rang: false, mark: { incarnation: 'x', seq } });
      }, ms);
      waiters.add(wake);
    });
  };
  const ring = (): void => {
    seq++;
    for (const w of [...waiters]) w();
    waiters.clear();
  };
  return { wait, ring, since, waiting: () => waiters.size };
}

/** A queue the test fills; counts the held claim's looks at it. */
function queue() {
  const q = { work: false, looks: 0, ready: async () => (q.looks++, q.work) };
  return q;
}

const nothing = async (): Promise<undefined> => undefined;

describe('held claims', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('answers what the first claim found without waiting or looking', async () => {
    const bell = fakeBell();
    const q = queue();
    const got = await waitForClaim(async () => 'run', q.ready, 20, bell.wait);
    expect(got).toBe('run');
    expect([q.looks, bell.since.length]).toEqual([0, 0]);
  });

  it('answers READY at a ring for its work, after one look', async () => {
    const bell = fakeBell();
    const q = queue();
    const held = waitForClaim(nothing, q.ready, 20, bell.wait);
    await vi.advanceTimersByTimeAsync(1000);
    expect(bell.waiting()).toBe(1);
    q.work = true;
    bell.ring();
    await vi.advanceTimersByTimeAsync(0);
    expect(await held).toBe(READY);
    expect(q.looks).toBe(1);
    expect(bell.since[0]).toEqual({ at: 1_000_000 });
  });

  it('waits again after a ring for work it may not claim, from the mark it heard', async () => {
    const bell = fakeBell();
    const q = queue();
    let answer: unknown = 'pending';
    void waitForClaim(nothing, q.ready, 20, bell.wait).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(100);
    bell.ring(); // another owner's work: the look finds nothing here
    await vi.advanceTimersByTimeAsync(100);
    expect([answer, q.looks, bell.waiting()]).toEqual(['pending', 1, 1]);
    expect(bell.since[1]).toEqual({ mark: { incarnation: 'x', seq: 1 } });
    q.work = true;
    bell.ring();
    await vi.advanceTimersByTimeAsync(0);
    expect([answer, q.looks]).toEqual([READY, 2]);
  });

  it('looks once per fallback period while nothing rings, and not at the end', async () => {
    const bell = fakeBell();
    const q = queue();
    let answer: unknown = 'pending';
    void waitForClaim(nothing, q.ready, 25, bell.wait).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(25_000);
    expect(answer).toBeUndefined();
    expect(q.looks).toBe(25_000 / CLAIM_FALLBACK_MS - 1);
  });

  it('finds unrung work (an expired lease, a missed ring) at its next fallback look', async () => {
    const bell = fakeBell();
    const q = queue();
    let answer: unknown = 'pending';
    void waitForClaim(nothing, q.ready, 20, bell.wait).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(CLAIM_FALLBACK_MS + 1000);
    q.work = true;
    await vi.advanceTimersByTimeAsync(CLAIM_FALLBACK_MS - 1001);
    expect(answer).toBe('pending');
    await vi.advanceTimersByTimeAsync(1);
    expect([answer, q.looks]).toEqual([READY, 2]);
  });

  it('without a bell to ask, falls back to its slow looks instead of spinning', async () => {
    const q = queue();
    const asked: number[] = [];
    const broken: BellWait = async (_since, ms) => (asked.push(ms), undefined);
    let answer: unknown = 'pending';
    void waitForClaim(nothing, q.ready, 12, broken).then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(CLAIM_FALLBACK_MS - 1);
    expect([asked.length, q.looks]).toEqual([1, 0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(q.looks).toBe(1);
    q.work = true;
    await vi.advanceTimersByTimeAsync(CLAIM_FALLBACK_MS);
    expect([answer, q.looks]).toEqual([READY, 2]);
  });

  it('does not wait when no wait was asked for', async () => {
    const bell = fakeBell();
    const q = queue();
    expect(await waitForClaim(nothing, q.ready, undefined, bell.wait)).toBeUndefined();
    expect(await waitForClaim(nothing, q.ready, 0, bell.wait)).toBeUndefined();
    expect([q.looks, bell.since.length]).toEqual([0, 0]);
  });
});
