import { describe, expect, it } from 'vitest';
import { constantTimeEqual, randomBase62, sha256Hex } from './secrets';
import { effectiveScopes } from './tokens';

describe('secrets', () => {
  it('hashes, compares and generates', () => {
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(constantTimeEqual('secret', 'secret')).toBe(true);
    expect(constantTimeEqual('secret', 'secreT')).toBe(false);
    expect(constantTimeEqual('secret', 'secret2')).toBe(false);
    const a = randomBase62(256);
    expect(a).toMatch(/^[0-9A-Za-z]{43}$/);
    expect(randomBase62(256)).not.toBe(a);
  });

  it('expands token scopes: admin ⊇ repo:write ⊇ repo:read', () => {
    expect([...effectiveScopes(['repo:read'])]).toEqual(['repo:read']);
    expect(effectiveScopes(['repo:write'])).toEqual(new Set(['repo:read', 'repo:write']));
    expect(effectiveScopes(['admin'])).toEqual(new Set(['repo:read', 'repo:write', 'admin']));
  });
});
