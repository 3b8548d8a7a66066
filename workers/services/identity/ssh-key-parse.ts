/**
 * Parses an OpenSSH public key line (`type base64 [comment]`), decodes the wire blob
 * (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709) to check it really is a key of the stated type,
 * refuses RSA below 2048 bits, and computes the SHA256 fingerprint as `ssh-keygen -lf` prints it.
 * Written by hand because it is ~100 lines and no maintained library does it in workerd.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { AppError } from '../../../common/errors';

export interface ParsedSshKey {
  type: string;
  /** base64 of the wire blob, as in authorized_keys */
  blob: string;
  fingerprint: string;
  bits: number;
  comment: string;
}

const ECDSA: Record<string, { curve: string; pointLength: number; bits: number }> = {
  'ecdsa-sha2-nistp256': { curve: 'nistp256', pointLength: 65, bits: 256 },
  'ecdsa-sha2-nistp384': { curve: 'nistp384', pointLength: 97, bits: 384 },
  'ecdsa-sha2-nistp521': { curve: 'nistp521', pointLength: 133, bits: 521 },
};
const MAX_LINE = 16 * 1024;

const bad = (why: string): AppError =>
  AppError.invalid(`Not a valid SSH public key: ${why}`, 'ssh_key_invalid');

function base64Decode(text: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) throw bad('bad base64');
  const bin = atob(text);
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

function base64Encode(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Reads length-prefixed strings from a wire blob. */
class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}
  bytes(): Uint8Array {
    if (this.pos + 4 > this.buf.length) throw bad('truncated');
    const b = this.buf;
    const len =
      ((b[this.pos] ?? 0) << 24) |
      ((b[this.pos + 1] ?? 0) << 16) |
      ((b[this.pos + 2] ?? 0) << 8) |
      (b[this.pos + 3] ?? 0);
    if (len < 0 || this.pos + 4 + len > b.length) throw bad('truncated');
    const out = b.subarray(this.pos + 4, this.pos + 4 + len);
    this.pos += 4 + len;
    return out;
  }
  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
  end(): void {
    if (this.pos !== this.buf.length) throw bad('trailing bytes');
  }
}

/** Bit length of an unsigned big-endian mpint (leading zero bytes ignored). */
function mpintBits(m: Uint8Array): number {
  let i = 0;
  while (i < m.length && m[i] === 0) i++;
  if (i === m.length) return 0;
  return (m.length - i - 1) * 8 + (32 - Math.clz32(m[i] ?? 0));
}

/** `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function sshFingerprint(blob: Uint8Array): string {
  return 'SHA256:' + base64Encode(sha256(blob)).replace(/=+$/, '');
}

/** Parses and checks one public key line. */
export function parseSshPublicKey(line: unknown): ParsedSshKey {
  if (typeof line !== 'string') throw bad('expected text');
  if (line.length > MAX_LINE) throw bad('too long');
  const parts = line.trim().split(/\s+/);
  const [type, b64, ...rest] = parts;
  if (!type || !b64) throw bad('expected "<type> <base64> [comment]"');
  const blob = base64Decode(b64);
  const r = new Reader(blob);
  if (r.text() !== type) throw bad('the key type inside the blob does not match');
  let bits: number;
  if (type === 'ssh-ed25519') {
    if (r.bytes().length !== 32) throw bad('an ed25519 key is 32 bytes');
    bits = 256;
  } else if (type === 'ssh-rsa') {
    const e = r.bytes();
    const n = r.bytes();
    if (mpintBits(e) < 2 || (e[e.length - 1] ?? 0) % 2 === 0) throw bad('bad RSA exponent');
    bits = mpintBits(n);
    if (bits < 2048) {
      throw AppError.invalid(
        `RSA keys need at least 2048 bits (this one has ${bits})`,
        'ssh_key_too_weak',
      );
    }
  } else {
    const ec = ECDSA[type];
    if (!ec) {
      throw AppError.invalid(
        `Unsupported key type ${JSON.stringify(type.slice(0, 40))}; use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa`,
        'ssh_key_unsupported',
      );
    }
    if (r.text() !== ec.curve) throw bad('the curve does not match the key type');
    const q = r.bytes();
    if (q.length !== ec.pointLength || q[0] !== 4) throw bad('bad elliptic-curve point');
    bits = ec.bits;
  }
  r.end();
  return { type, blob: b64, fingerprint: sshFingerprint(blob), bits, comment: rest.join(' ') };
}
