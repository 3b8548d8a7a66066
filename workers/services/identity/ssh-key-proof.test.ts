import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygenSync, keyProof, type KeyFiles } from '../../../test/helpers/ssh-proof';
import { keyProofValid } from './ssh-key-proof';

const dir = mkdtempSync(join(tmpdir(), 'plue-keyproof-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const kit = {
  keygen: async (name: string, type?: string, bits?: number) => keygenSync(dir, name, type, bits),
};

const blobOf = (k: KeyFiles): Uint8Array =>
  new Uint8Array(Buffer.from(k.publicLine.split(' ')[1] ?? '', 'base64'));

describe('SSH key proofs (signatures over the authentication request)', () => {
  it('accepts a real signature of every key type OpenSSH makes and Plue allows', async () => {
    for (const [type, bits] of [
      ['ed25519', undefined],
      ['ecdsa', 256],
      ['ecdsa', 384],
      ['ecdsa', 521],
      ['rsa', 2048],
    ] as const) {
      const key = await kit.keygen(`${type}-${bits ?? 0}`, type, bits);
      const other = await kit.keygen(`${type}-${bits ?? 0}-other`, type, bits);
      const proof = keyProof(key);
      expect(await keyProofValid(blobOf(key), proof), `${type} ${bits}`).toBe(true);
      // Another key's signature, or the proof presented for another key, is none.
      expect(await keyProofValid(blobOf(key), keyProof(key, other)), type).toBe(false);
      expect(await keyProofValid(blobOf(other), proof), type).toBe(false);
    }
  });

  it('refuses truncated, altered and random input without throwing', async () => {
    const key = await kit.keygen('fuzz');
    const good = keyProof(key);
    const blob = Buffer.from(good.blob, 'base64');
    const sig = Buffer.from(good.signature, 'base64');
    const b64 = (b: Buffer) => b.toString('base64');
    const cases: Array<{ blob: string; signature: string }> = [];
    for (let n = 0; n < blob.length; n += 7)
      cases.push({ ...good, blob: b64(blob.subarray(0, n)) });
    for (let n = 0; n < sig.length; n += 9)
      cases.push({ ...good, signature: b64(sig.subarray(0, n)) });
    for (let i = 0; i < 40; i++) {
      const flipped = Buffer.from(blob);
      const at = (i * 37) % flipped.length;
      flipped[at] = (flipped[at] ?? 0) ^ 0x01;
      cases.push({ ...good, blob: b64(flipped) });
      cases.push({ blob: b64(randomBytes(i * 5)), signature: b64(randomBytes(64)) });
    }
    cases.push({ blob: '***', signature: good.signature }, { blob: good.blob, signature: '%%' });
    for (const c of cases) expect(await keyProofValid(blobOf(key), c)).toBe(false);
    expect(await keyProofValid(new Uint8Array(0), good)).toBe(false);
    expect(await keyProofValid(randomBytes(51), good)).toBe(false);
    expect(await keyProofValid(blobOf(key), good)).toBe(true);
  });

  it('refuses truncated and random ECDSA and RSA signatures (DER and raw) without throwing', async () => {
    for (const [type, bits] of [
      ['ecdsa', 384],
      ['rsa', 2048],
    ] as const) {
      const key = await kit.keygen(`fuzz-${type}`, type, bits);
      const good = keyProof(key);
      const sig = Buffer.from(good.signature, 'base64');
      for (let n = 0; n < sig.length; n += 5) {
        const cut = { ...good, signature: sig.subarray(0, n).toString('base64') };
        expect(await keyProofValid(blobOf(key), cut), `${type} ${n}`).toBe(false);
      }
      for (let i = 0; i < 30; i++) {
        const junk = { ...good, signature: randomBytes(i * 9).toString('base64') };
        expect(await keyProofValid(blobOf(key), junk)).toBe(false);
      }
      // A DER sequence that claims more than it holds, and one with a third integer.
      for (const der of ['3081ff0201010201', '3009020101020101020101']) {
        const odd = { ...good, signature: Buffer.from(der, 'hex').toString('base64') };
        expect(await keyProofValid(blobOf(key), odd)).toBe(false);
      }
      expect(await keyProofValid(blobOf(key), good)).toBe(true);
    }
  });

  it('holds an RSA signature to the hash its algorithm names', async () => {
    const key = await kit.keygen('rsa-hash', 'rsa', 2048);
    // keyProof signs with SHA-1 (`ssh-rsa`); claimed as rsa-sha2-512 it must not verify.
    const proof = keyProof(key);
    expect(await keyProofValid(blobOf(key), proof)).toBe(true);
    expect(await keyProofValid(blobOf(key), { ...proof, hash: 'sha512' })).toBe(false);
  });
});
