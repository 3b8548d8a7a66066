import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RETIRE_GRACE_MS,
  nextSweepAt,
  retireGraceMs,
  SWEEP_RETRY_MS,
} from './retired-packs';

describe('retireGraceMs', () => {
  it('reads milliseconds, zero included', () => {
    expect(retireGraceMs('2500')).toBe(2500);
    expect(retireGraceMs('0')).toBe(0);
  });
  it('falls back to the default when unset or not a non-negative number', () => {
    for (const v of [undefined, '', '  ', 'soon', '-1', 'NaN', 'Infinity', '1e400']) {
      expect(retireGraceMs(v)).toBe(DEFAULT_RETIRE_GRACE_MS);
    }
    expect(DEFAULT_RETIRE_GRACE_MS).toBe(15 * 60_000);
  });
});

describe('nextSweepAt', () => {
  const grace = 10_000;
  it('is unset when nothing is retired', () => {
    expect(nextSweepAt(undefined, grace, 5, false)).toBeUndefined();
    expect(nextSweepAt(undefined, grace, 5, true)).toBeUndefined();
  });
  it('fires when the oldest retired pack comes due, even if that is already past', () => {
    expect(nextSweepAt(1_000, grace, 2_000, false)).toBe(11_000);
    expect(nextSweepAt(1_000, grace, 50_000, false)).toBe(11_000);
  });
  it('after a failed deletion waits at least the retry interval', () => {
    expect(nextSweepAt(1_000, grace, 50_000, true)).toBe(50_000 + SWEEP_RETRY_MS);
    // A pack not yet due keeps its own time when that is later than the retry.
    const late = 50_000 + SWEEP_RETRY_MS + 1;
    expect(nextSweepAt(late - grace, grace, 50_000, true)).toBe(late);
  });
});
