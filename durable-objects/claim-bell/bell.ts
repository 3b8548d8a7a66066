/**
 * The claims doorbell's state (claim-bell.ts): a count of rings and the waiters the next ring
 * wakes. Pure (a clock comes in), so it is tested in Node.
 *
 * A waiter says what it has already seen, so a ring between its last look at the queue and its
 * arrival here is not lost: either the mark of its previous wait (`{mark}`: woken at once if the
 * bell rang since, or if the bell is a new incarnation whose rings it cannot know), or, for a
 * claim's first wait, the time it started looking (`{at}`, on the Worker's clock: woken at once if
 * the bell rang, or started, less than CLOCK_SLACK_MS before that). Waking too often costs the
 * waiter one look at the queue; waking too rarely costs it up to its fallback period.
 */

/** What a waiter has heard: the bell's incarnation and its ring count then. */
export interface BellMark {
  incarnation: string;
  seq: number;
}

/** Where a wait starts from: a previous wait's mark, or a time (ms since the epoch). */
export type BellSince = { mark: BellMark } | { at: number };

/** A wait's answer: whether it was rung (or had missed a ring), and the mark to wait from next. */
export interface BellAnswer {
  rang: boolean;
  mark: BellMark;
}

/**
 * How far apart the Worker's clock and the bell's may be: a ring this long before a claim
 * started looking still wakes it (one extra look), so a skew below it loses no ring.
 */
export const CLOCK_SLACK_MS = 1000;

/** The longest single wait the bell holds (a held claim waits at most 25 s in all). */
export const MAX_BELL_WAIT_MS = 30_000;

export class Bell {
  private seq = 0;
  /** The last ring, or the bell's start: rings of an earlier incarnation are unknown. */
  private lastRingAt: number;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly incarnation: string,
    private readonly now: () => number,
  ) {
    this.lastRingAt = now();
  }

  /** Wakes every waiter; returns how many there were. */
  ring(): number {
    this.seq++;
    this.lastRingAt = this.now();
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
    return woken.length;
  }

  /** Waiters now held. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Resolves at the next ring (at once if `since` missed one), or unrung after `timeoutMs`. */
  wait(since: BellSince, timeoutMs: number): Promise<BellAnswer> {
    if (this.missed(since)) return Promise.resolve({ rang: true, mark: this.mark() });
    const ms = Math.min(Math.max(timeoutMs, 0), MAX_BELL_WAIT_MS);
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve({ rang: true, mark: this.mark() });
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve({ rang: false, mark: this.mark() });
      }, ms);
      this.waiters.add(wake);
    });
  }

  private mark(): BellMark {
    return { incarnation: this.incarnation, seq: this.seq };
  }

  private missed(since: BellSince): boolean {
    if ('mark' in since) {
      return since.mark.incarnation !== this.incarnation || since.mark.seq < this.seq;
    }
    return this.lastRingAt >= since.at - CLOCK_SLACK_MS;
  }
}
