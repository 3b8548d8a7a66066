import { describe, expect, it } from 'vitest';
import { hitWindow, type WindowState } from './rate-window';

describe('fixed rate window', () => {
  it('allows `limit` hits per window, then refuses with the seconds left', () => {
    let state: WindowState | undefined;
    for (let i = 0; i < 3; i++) {
      const r = hitWindow(state, 1000 + i, 3, 60_000);
      expect(r.allowed).toBe(true);
      expect(r.remaining).toBe(2 - i);
      state = r.state;
    }
    const refused = hitWindow(state, 31_000, 3, 60_000);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfter: 30 });
    expect(refused.state).toEqual(state);
  });

  it('starts a new window once the old one has passed', () => {
    const full = { start: 0, count: 5 };
    expect(hitWindow(full, 59_999, 5, 60_000)).toMatchObject({ allowed: false, retryAfter: 1 });
    expect(hitWindow(full, 60_000, 5, 60_000)).toMatchObject({
      allowed: true,
      remaining: 4,
      state: { start: 60_000, count: 1 },
    });
  });
});
