/** Host key generation (ssh-keygen and pure Node), persistence and fingerprints as OpenSSH prints them. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateHostKey } from './host-key';

const dir = mkdtempSync(join(tmpdir(), 'plue-hostkey-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each([true, false])('host key (ssh-keygen: %s)', (useSshKeygen) => {
  const path = join(dir, `nested-${useSshKeygen}`, 'ssh_host_ed25519_key');

  it('is created once, mode 0600, and reloaded unchanged', () => {
    const first = loadOrCreateHostKey(path, { useSshKeygen });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5/);
    const again = loadOrCreateHostKey(path, { useSshKeygen });
    expect(again.fingerprint).toBe(first.fingerprint);
  });

  it('has the fingerprint and public key ssh-keygen derives from the private key', () => {
    const key = loadOrCreateHostKey(path, { useSshKeygen });
    const pub = execFileSync('ssh-keygen', ['-y', '-f', path]).toString().trim();
    expect(pub.split(' ').slice(0, 2).join(' ')).toBe(key.publicKey);
    const listed = execFileSync('ssh-keygen', ['-l', '-f', path]).toString();
    expect(listed).toContain(key.fingerprint);
    expect(listed).toContain('(ED25519)');
  });
});
