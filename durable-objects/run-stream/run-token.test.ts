import { describe, expect, it } from 'vitest';
import { adoptToken, TOKEN_GRACE_MS, tokenAccepted, type TokenMeta } from './run-token';

function meta(): TokenMeta & { rows: Map<string, string> } {
  const rows = new Map<string, string>();
  return {
    rows,
    getMeta: (k) => rows.get(k),
    setMeta: (k, v) => void rows.set(k, v),
    get completed() {
      return rows.get('completed') === '1';
    },
  };
}

const h = (c: string) => c.repeat(64);

describe('run token in the RunStream', () => {
  it('vouches for nothing until a hash is known', () => {
    const m = meta();
    expect(tokenAccepted(m, h('a'), 0)).toBe(false);
    expect(adoptToken(m, h('a'), 0)).toBe(true);
    expect(tokenAccepted(m, h('a'), 0)).toBe(true);
    expect(tokenAccepted(m, h('b'), 0)).toBe(false);
    expect(tokenAccepted(m, h('a').slice(1), 0)).toBe(false);
  });

  it('lets a newer epoch replace the hash and never an older one', () => {
    const m = meta();
    adoptToken(m, h('a'), 0);
    expect(adoptToken(m, h('b'), 1)).toBe(true);
    expect(tokenAccepted(m, h('a'), 0)).toBe(false);
    // A late writer that read the database before the claim.
    expect(adoptToken(m, h('a'), 0)).toBe(false);
    expect(tokenAccepted(m, h('b'), 0)).toBe(true);
    expect(m.rows.get('token_epoch')).toBe('1');
  });

  it('refuses malformed hashes and epochs', () => {
    const m = meta();
    expect(adoptToken(m, 'not-a-hash', 0)).toBe(false);
    expect(adoptToken(m, h('A'), 0)).toBe(false);
    expect(adoptToken(m, h('a'), Number.NaN)).toBe(false);
    expect(m.rows.size).toBe(0);
  });

  it('keeps a token valid for the grace period after the run completed', () => {
    const m = meta();
    adoptToken(m, h('c'), 2);
    m.setMeta('completed', '1');
    // Completed without a known time (an older instance): the database decides.
    expect(tokenAccepted(m, h('c'), 1000)).toBe(false);
    m.setMeta('completed_at', '1000');
    expect(tokenAccepted(m, h('c'), 1000 + TOKEN_GRACE_MS - 1)).toBe(true);
    expect(tokenAccepted(m, h('c'), 1000 + TOKEN_GRACE_MS)).toBe(false);
  });
});
