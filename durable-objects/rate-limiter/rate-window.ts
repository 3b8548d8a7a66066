/**
 * The fixed-window counting rule behind RateLimiter, kept pure so it can be tested without a
 * runtime: a window of `windowMs` starting at the first hit; at most `limit` hits inside it.
 */

export interface WindowState {
  start: number;
  count: number;
}

export interface HitResult {
  allowed: boolean;
  /** Hits left in the current window after this one. */
  remaining: number;
  /** Whole seconds until the window resets (≥ 1 when refused). */
  retryAfter: number;
  state: WindowState;
}

/** Counts one hit at `now` against `state`. */
export function hitWindow(
  state: WindowState | undefined,
  now: number,
  limit: number,
  windowMs: number,
): HitResult {
  const current = state && now - state.start < windowMs ? state : { start: now, count: 0 };
  const resetIn = Math.max(1, Math.ceil((current.start + windowMs - now) / 1000));
  if (current.count >= limit) {
    return { allowed: false, remaining: 0, retryAfter: resetIn, state: current };
  }
  const next = { start: current.start, count: current.count + 1 };
  return { allowed: true, remaining: limit - next.count, retryAfter: resetIn, state: next };
}
