import { describe, expect, it } from 'vitest';
import { openFlash, sealFlash } from './flash';

describe('flash', () => {
  it('opens for the session and page that sealed it, and for no other', async () => {
    const sealed = await sealFlash('s1', '/settings', { notice: 'ok', newToken: 'plue_pat_x' });
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/); // a cookie value as it stands
    expect(await openFlash('s1', '/settings', sealed)).toEqual({
      notice: 'ok',
      newToken: 'plue_pat_x',
    });
    expect(await openFlash('s2', '/settings', sealed)).toBeUndefined();
    expect(await openFlash('s1', '/other', sealed)).toBeUndefined();
  });

  it('answers undefined for truncated, altered, oversized and random input', async () => {
    const sealed = await sealFlash('s1', '/settings', { notice: 'ok' });
    for (let n = 0; n < sealed.length; n += 3) {
      expect(await openFlash('s1', '/settings', sealed.slice(0, n))).toBeUndefined();
    }
    const flipped = sealed.slice(0, 20) + (sealed[20] === 'A' ? 'B' : 'A') + sealed.slice(21);
    expect(await openFlash('s1', '/settings', flipped)).toBeUndefined();
    expect(await openFlash('s1', '/settings', 'A'.repeat(5000))).toBeUndefined();
    for (let i = 0; i < 200; i++) {
      const bytes = crypto.getRandomValues(new Uint8Array(1 + (i % 90)));
      const text = String.fromCharCode(...bytes.map((b) => 32 + (b % 95)));
      expect(await openFlash('s1', '/settings', text)).toBeUndefined();
    }
  });
});
