/**
 * Short-lived credentials the Worker signs for itself and later checks: SSH session tickets,
 * repository grants and event checkout tokens. They are HMAC-SHA-256 under a key derived from
 * `PLUE_SECRETS_KEY`, the Worker's own secret, which neither the SSH bridge nor the runner
 * controller holds: a component can carry what the Worker gave it, never mint one. Each use has
 * its own derived key (`purpose`), so one kind of token is never valid as another.
 */
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';

export type SigningPurpose = 'ssh-ticket' | 'repo-grant' | 'event-token';

const DEV_KEY = 'dev-secrets-key-change-me';
const encoder = new TextEncoder();

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

function keyOf(env: Env, purpose: SigningPurpose, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  const secret = env.PLUE_SECRETS_KEY;
  if (!secret || (env.PLUE_ENV === 'production' && secret === DEV_KEY)) {
    throw AppError.unavailable('The Worker has no signing key (set PLUE_SECRETS_KEY)');
  }
  return crypto.subtle.importKey(
    'raw',
    encoder.encode(`plue-${purpose}-v1:${secret}`),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    [usage],
  );
}

/** The base64url HMAC of `text` for `purpose`. */
export async function macOf(env: Env, purpose: SigningPurpose, text: string): Promise<string> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await keyOf(env, purpose, 'sign'),
    encoder.encode(text),
  );
  return toBase64Url(new Uint8Array(mac));
}

/** Whether `mac` is the HMAC of `text` for `purpose` (constant-time, by WebCrypto). */
export async function macValid(
  env: Env,
  purpose: SigningPurpose,
  text: string,
  mac: string,
): Promise<boolean> {
  const sig = fromBase64Url(mac);
  if (!sig) return false;
  const key = await keyOf(env, purpose, 'verify');
  return crypto.subtle.verify('HMAC', key, sig, encoder.encode(text));
}

/** `body` as JSON, signed: `<base64url payload>.<base64url mac>`. */
export async function signBody(env: Env, purpose: SigningPurpose, body: unknown): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(body)));
  return `${payload}.${await macOf(env, purpose, payload)}`;
}

/** The JSON body of a genuine signed token for `purpose`, or undefined. */
export async function verifiedBody(
  env: Env,
  purpose: SigningPurpose,
  token: string | undefined,
): Promise<unknown> {
  if (!token || token.length > 16_384) return undefined;
  const [payload, mac, extra] = token.split('.');
  if (payload === undefined || mac === undefined || extra !== undefined) return undefined;
  if (!(await macValid(env, purpose, payload, mac))) return undefined;
  const raw = fromBase64Url(payload);
  if (!raw) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(raw)) as unknown;
  } catch {
    return undefined;
  }
}
