/**
 * Proof that an SSH client holds the private half of the key it presented: the signature the
 * client made over its `publickey` authentication request (RFC 4252 §7), which the SSH bridge
 * forwards with the key lookup. The Worker checks it with WebCrypto before it signs a session
 * ticket (ssh-tickets.ts), so the bridge's credential alone cannot obtain a ticket for anyone: it
 * needs a signature only the key's holder can make. Signatures come as the bridge's ssh2 library
 * hands them over: Ed25519 and RSA raw, ECDSA as DER (turned into r‖s here).
 *
 * The signed data is `string session_id, byte 50, string user, string service, string
 * "publickey", bool TRUE, string algorithm, string public key`; the key inside it must be the
 * key presented. The session id is the bridge's: the Worker cannot tell a fresh one from a
 * replayed one, so a signature captured from a live session could be replayed by whoever holds
 * the bridge's credential and that capture (both are the bridge's own secrets).
 */
import { concatBytes } from '../../../common/git/bytes';

const SSH_MSG_USERAUTH_REQUEST = 50;

export interface KeyProof {
  /** The signed data (base64). */
  blob: string;
  /** The signature (base64): raw for Ed25519 and RSA, DER for ECDSA. */
  signature: string;
  /** RSA only: the hash of `rsa-sha2-256` / `rsa-sha2-512` (absent: SHA-1, `ssh-rsa`). */
  hash?: 'sha1' | 'sha256' | 'sha512' | undefined;
}

class Reader {
  private pos = 0;
  constructor(private readonly b: Uint8Array) {}
  u32(): number | undefined {
    if (this.pos + 4 > this.b.length) return undefined;
    const v = new DataView(this.b.buffer, this.b.byteOffset + this.pos, 4).getUint32(0);
    this.pos += 4;
    return v;
  }
  byte(): number | undefined {
    return this.pos < this.b.length ? this.b[this.pos++] : undefined;
  }
  string(): Uint8Array | undefined {
    const n = this.u32();
    if (n === undefined || this.pos + n > this.b.length) return undefined;
    const s = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  get done(): boolean {
    return this.pos === this.b.length;
  }
}

function fromBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

const text = (b: Uint8Array | undefined): string => (b ? new TextDecoder().decode(b) : '');

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function b64url(b: Uint8Array): string {
  let s = '';
  for (const c of b) s += String.fromCharCode(c);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A big-endian integer without its leading zero bytes (an SSH mpint's sign byte included). */
function unsigned(int: Uint8Array): Uint8Array {
  let i = 0;
  while (i < int.length - 1 && int[i] === 0) i++;
  return int.subarray(i);
}

/** An unsigned big-endian integer without leading zeros, left-padded to `size` bytes. */
function fixed(int: Uint8Array, size: number): Uint8Array | undefined {
  const v = unsigned(int);
  if (v.length > size) return undefined;
  return concatBytes([new Uint8Array(size - v.length), v]);
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }` → r‖s of `size` bytes each. */
function derToP1363(der: Uint8Array, size: number): Uint8Array | undefined {
  let p = 0;
  const len = (): number | undefined => {
    const first = der[p++];
    if (first === undefined) return undefined;
    if (first < 0x80) return first;
    const n = first & 0x7f;
    if (n < 1 || n > 2) return undefined;
    let v = 0;
    for (let k = 0; k < n; k++) v = (v << 8) | (der[p++] ?? 0);
    return v;
  };
  if (der[p++] !== 0x30) return undefined;
  const seq = len();
  if (seq === undefined || p + seq !== der.length) return undefined;
  const ints: Uint8Array[] = [];
  for (let k = 0; k < 2; k++) {
    if (der[p++] !== 0x02) return undefined;
    const n = len();
    if (n === undefined || n === 0 || p + n > der.length) return undefined;
    const v = fixed(der.subarray(p, p + n), size);
    if (!v) return undefined;
    ints.push(v);
    p += n;
  }
  return p === der.length ? concatBytes(ints) : undefined;
}

const CURVES: Record<string, { curve: string; size: number; hash: string }> = {
  'ecdsa-sha2-nistp256': { curve: 'P-256', size: 32, hash: 'SHA-256' },
  'ecdsa-sha2-nistp384': { curve: 'P-384', size: 48, hash: 'SHA-384' },
  'ecdsa-sha2-nistp521': { curve: 'P-521', size: 66, hash: 'SHA-512' },
};
const RSA_HASH = { sha1: 'SHA-1', sha256: 'SHA-256', sha512: 'SHA-512' } as const;

/** Verifies `sig` over `data` with the SSH public key `keyBlob`; false for anything odd. */
async function verifyWithKey(
  keyBlob: Uint8Array,
  data: Uint8Array,
  sig: Uint8Array,
  hash: KeyProof['hash'],
): Promise<boolean> {
  const r = new Reader(keyBlob);
  const type = text(r.string());
  if (type === 'ssh-ed25519') {
    const pub = r.string();
    if (!pub || pub.length !== 32 || !r.done || sig.length !== 64) return false;
    const key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, data);
  }
  const ec = CURVES[type];
  if (ec) {
    r.string();
    const q = r.string();
    const raw = derToP1363(sig, ec.size);
    if (!q || !r.done || !raw) return false;
    const key = await crypto.subtle.importKey(
      'raw',
      q,
      { name: 'ECDSA', namedCurve: ec.curve },
      false,
      ['verify'],
    );
    return crypto.subtle.verify({ name: 'ECDSA', hash: ec.hash }, key, raw, data);
  }
  if (type === 'ssh-rsa') {
    const e = r.string();
    const n = r.string();
    if (!e || !n || !r.done) return false;
    const modulus = unsigned(n);
    // A signature may come without its leading zero bytes; WebCrypto wants the modulus' length.
    const padded = fixed(sig, modulus.length);
    if (!padded) return false;
    const jwk: JsonWebKey = { kty: 'RSA', e: b64url(unsigned(e)), n: b64url(modulus) };
    const algo = { name: 'RSASSA-PKCS1-v1_5', hash: RSA_HASH[hash ?? 'sha1'] };
    const key = await crypto.subtle.importKey('jwk', jwk, algo, false, ['verify']);
    return crypto.subtle.verify(algo, key, padded, data);
  }
  return false;
}

/**
 * Whether `proof` shows the client held the private key of `keyBlob` (the presented key's wire
 * blob): the signed data is a `publickey` request naming exactly that key, and the signature
 * verifies. Never throws: malformed input is simply no proof.
 */
export async function keyProofValid(keyBlob: Uint8Array, proof: KeyProof): Promise<boolean> {
  const data = fromBase64(proof.blob);
  const sig = fromBase64(proof.signature);
  if (!data || !sig) return false;
  const r = new Reader(data);
  const session = r.string();
  if (!session || session.length === 0 || r.byte() !== SSH_MSG_USERAUTH_REQUEST) return false;
  r.string(); // user
  r.string(); // service
  if (text(r.string()) !== 'publickey' || r.byte() !== 1) return false;
  const algo = text(r.string());
  const key = r.string();
  if (!key || !r.done || !equal(key, keyBlob)) return false;
  const keyType = text(new Reader(keyBlob).string());
  const rsaAlgo = { 'rsa-sha2-256': 'sha256', 'rsa-sha2-512': 'sha512', 'ssh-rsa': 'sha1' };
  const expected = keyType === 'ssh-rsa' ? rsaAlgo[algo as keyof typeof rsaAlgo] : undefined;
  if (keyType === 'ssh-rsa' ? expected !== (proof.hash ?? 'sha1') : algo !== keyType) return false;
  try {
    return await verifyWithKey(keyBlob, data, sig, proof.hash);
  } catch {
    return false;
  }
}
