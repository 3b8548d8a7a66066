// Secret masking: exact values, encoded forms, and values split across chunk boundaries.
import { describe, expect, it } from 'vitest';
import { maskAll, maskPatterns, StreamMasker } from './masker';

const secret = 'hunter2-very-secret';

describe('maskPatterns', () => {
  it('includes encodings and lines, skips short values', () => {
    const p = maskPatterns([secret, 'ab', 'line-one\nline-two']);
    expect(p).toContain(secret);
    expect(p).toContain(encodeURIComponent('line-one\nline-two'));
    expect(p).toContain('line-one');
    expect(p).toContain('line-one\\nline-two');
    expect(p).not.toContain('ab');
    expect(p[0]?.length).toBeGreaterThanOrEqual(p[p.length - 1]?.length ?? 0);
  });
});

describe('maskAll', () => {
  const p = maskPatterns([secret, 'a"quote']);
  it('replaces every occurrence', () => {
    expect(maskAll(`x ${secret} y ${secret}${secret}`, p)).toBe('x *** y ******');
  });
  it('masks Base64 forms, also embedded at any offset', () => {
    for (const prefix of ['', 'u', 'us', 'usr']) {
      const encoded = Buffer.from(`${prefix}${secret}`).toString('base64');
      const masked = maskAll(`token=${encoded}`, p);
      expect(masked).toContain('***');
      // Nothing that decodes back to the secret survives.
      expect(Buffer.from(masked.slice(6), 'base64').toString()).not.toContain(secret);
    }
  });
  it('masks JSON-escaped and URL-encoded forms', () => {
    expect(maskAll(JSON.stringify({ v: 'a"quote' }), p)).toBe('{"v":"***"}');
    expect(maskAll(`q=${encodeURIComponent('a"quote')}`, p)).toBe('q=***');
  });
  it('leaves text without secrets alone', () => {
    expect(maskAll('nothing to see', p)).toBe('nothing to see');
    expect(maskAll('hunter2-very-secre', p)).toBe('hunter2-very-secre');
  });
});

describe('StreamMasker', () => {
  it('catches a secret split across chunks at every position', () => {
    const p = maskPatterns([secret]);
    const text = `before ${secret} after`;
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2 += 3) {
        const m = new StreamMasker(p);
        const out =
          m.push(text.slice(0, cut)) +
          m.push(text.slice(cut, cut2)) +
          m.push(text.slice(cut2)) +
          m.flush();
        expect(out).toBe('before *** after');
      }
    }
  });
  it('holds back only a possible prefix and emits the rest immediately', () => {
    const m = new StreamMasker(maskPatterns([secret]));
    expect(m.push('hello hun')).toBe('hello ');
    expect(m.push('gry')).toBe('hungry');
    expect(m.push(' bye')).toBe(' bye');
    expect(m.flush()).toBe('');
  });
  it('one character at a time', () => {
    const m = new StreamMasker(maskPatterns([secret]));
    let out = '';
    for (const ch of `${secret}!${secret}`) out += m.push(ch);
    expect(out + m.flush()).toBe('***!***');
  });
  it('is a pass-through without secrets', () => {
    const m = new StreamMasker([]);
    expect(m.push('abc')).toBe('abc');
    expect(m.flush()).toBe('');
  });
});
