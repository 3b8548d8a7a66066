import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSshPublicKey } from './ssh-key-parse';

const dir = mkdtempSync(join(tmpdir(), 'plue-keys-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Makes a key with the real ssh-keygen; returns the .pub line and ssh-keygen's fingerprint. */
function keygen(type: string, bits?: number): { line: string; fingerprint: string } {
  const file = join(dir, `${type}-${bits ?? 0}-${Math.random().toString(36).slice(2)}`);
  const args = ['-q', '-t', type, '-N', '', '-C', 'me@laptop', '-f', file];
  if (bits) args.push('-b', String(bits));
  execFileSync('ssh-keygen', args, { stdio: 'ignore', timeout: 20_000 });
  const line = readFileSync(`${file}.pub`, 'utf8').trim();
  const fp = execFileSync('ssh-keygen', ['-lf', `${file}.pub`], { timeout: 10_000 })
    .toString()
    .split(' ')[1];
  return { line, fingerprint: fp ?? '' };
}

describe('SSH public key parsing', () => {
  it.each([
    ['ed25519', undefined, 'ssh-ed25519', 256],
    ['ecdsa', 256, 'ecdsa-sha2-nistp256', 256],
    ['ecdsa', 384, 'ecdsa-sha2-nistp384', 384],
    ['ecdsa', 521, 'ecdsa-sha2-nistp521', 521],
    ['rsa', 2048, 'ssh-rsa', 2048],
  ] as const)('accepts %s %s with the fingerprint ssh-keygen -lf prints', (t, bits, type, size) => {
    const k = keygen(t, bits);
    const p = parseSshPublicKey(k.line);
    expect(p).toMatchObject({ type, bits: size, comment: 'me@laptop' });
    expect(p.fingerprint).toBe(k.fingerprint);
    expect(p.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('refuses RSA keys under 2048 bits', () => {
    const k = keygen('rsa', 1024);
    expect(() => parseSshPublicKey(k.line)).toThrow(
      expect.objectContaining({ code: 'ssh_key_too_weak' }),
    );
  });

  it('refuses unsupported types, type mismatches and junk with clean errors', () => {
    const ed = keygen('ed25519').line;
    const [, b64] = ed.split(' ');
    const cases: Array<[unknown, string]> = [
      [42, 'ssh_key_invalid'],
      ['', 'ssh_key_invalid'],
      ['ssh-ed25519', 'ssh_key_invalid'],
      [`ssh-rsa ${b64}`, 'ssh_key_invalid'],
      [`ssh-dss ${b64}`, 'ssh_key_invalid'],
      ['ssh-ed25519 !!!notbase64', 'ssh_key_invalid'],
      [`ssh-ed25519 ${b64?.slice(0, 40)}`, 'ssh_key_invalid'],
      [`ssh-ed25519 ${'A'.repeat(20_000)}`, 'ssh_key_invalid'],
    ];
    for (const [input, code] of cases) {
      expect(() => parseSshPublicKey(input), String(input).slice(0, 40)).toThrow(
        expect.objectContaining({ code }),
      );
    }
    // A blob that decodes but carries an unknown type name.
    const blob = Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-dss')]);
    expect(() => parseSshPublicKey(`ssh-dss ${blob.toString('base64')}`)).toThrow(
      expect.objectContaining({ code: 'ssh_key_unsupported' }),
    );
  });

  it('answers random and truncated blobs with a clean error, never a crash', () => {
    const ed = Buffer.from(keygen('ed25519').line.split(' ')[1] ?? '', 'base64');
    for (let i = 0; i < 300; i++) {
      const bytes =
        i % 2 === 0
          ? ed.subarray(0, Math.floor(Math.random() * ed.length))
          : Buffer.from(
              Array.from({ length: 1 + (i % 80) }, () => Math.floor(Math.random() * 256)),
            );
      const b64 = bytes.toString('base64');
      if (b64 === '') continue;
      expect(() => parseSshPublicKey(`ssh-ed25519 ${b64}`)).toThrow(
        expect.objectContaining({ kind: 'invalid' }),
      );
    }
    // Trailing bytes after a valid key are refused too.
    const padded = Buffer.concat([ed, Buffer.from([0])]).toString('base64');
    expect(() => parseSshPublicKey(`ssh-ed25519 ${padded}`)).toThrow(/trailing/);
  });
});
