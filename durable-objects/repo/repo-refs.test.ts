import { describe, expect, it } from 'vitest';
import { checkRefCommand } from './repo-refs';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const long = `refs/heads/${'x'.repeat(65_000)}`;

describe('checkRefCommand', () => {
  const current = new Map([
    ['refs/heads/main', A],
    [long, A],
  ]);
  const check = (ref: string, oldOid: string, newOid: string) =>
    checkRefCommand({ ref, oldOid, newOid }, current, new Set(['refs/heads/main']));

  it('refuses creating or updating refs with bad names, with a readable reason', () => {
    expect(check(`refs/heads/${'y'.repeat(300)}`, Z, A)).toMatch(/311 bytes long/);
    expect(check('refs/heads/a..b', Z, A)).toBe('invalid ref name: contains ".."');
    expect(check(long, A, B)).toMatch(/65011 bytes long/);
  });

  it('lets the owner delete a ref stored before names were checked', () => {
    expect(check(long, A, Z)).toBeUndefined();
    // Only if it exists: deleting an unknown bad name is still refused by name.
    expect(check(`refs/heads/${'q'.repeat(300)}`, A, Z)).toMatch(/bytes long/);
  });

  it('keeps the old-value and protection checks', () => {
    expect(check('refs/heads/main', B, A)).toBe('stale info');
    expect(check('refs/heads/main', A, Z)).toBe('protected branch: deletion prohibited');
    expect(check('refs/heads/new', A, B)).toBe('stale info (ref was deleted)');
  });
});
