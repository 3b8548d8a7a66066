/**
 * One-time messages across a POST/redirect/GET: a form handler sets the flash, redirects (303),
 * and the page it redirects to reads and clears it. The flash travels in a short-lived HttpOnly
 * cookie scoped to its page, sealed with AES-GCM under a key derived from the session cookie, so
 * it is readable only together with the session that made it (a new token's secret rides in it
 * once, between the POST and the GET that shows it).
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../env';
import { SESSION_COOKIE } from '../../middleware/auth';
import { secureCookies } from '../api/auth';

export const FLASH_COOKIE = 'plue_flash';
const MAX_AGE_S = 120;
const enc = new TextEncoder();

export interface Flash {
  notice?: string | undefined;
  /** A token just created: its secret, shown once. */
  newToken?: string | undefined;
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unb64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

async function keyOf(session: string): Promise<CryptoKey> {
  const raw = await crypto.subtle.digest('SHA-256', enc.encode(`plue-flash\n${session}`));
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Seals `flash` for the session cookie value `session` (base64url of iv ‖ ciphertext). */
export async function sealFlash(session: string, path: string, flash: Flash): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: enc.encode(path) },
    await keyOf(session),
    enc.encode(JSON.stringify(flash)),
  );
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ct), 12);
  return b64url(out);
}

/** Opens a sealed flash; undefined when it is malformed, tampered with or another session's. */
export async function openFlash(
  session: string,
  path: string,
  sealed: string,
): Promise<Flash | undefined> {
  try {
    if (sealed.length > 4096) return undefined;
    const bytes = unb64url(sealed);
    if (bytes.length < 12 + 16) return undefined;
    const pt = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: enc.encode(path) },
      await keyOf(session),
      bytes.slice(12),
    );
    const v: unknown = JSON.parse(new TextDecoder().decode(pt));
    if (typeof v !== 'object' || v === null) return undefined;
    const o = v as Record<string, unknown>;
    const str = (x: unknown) => (typeof x === 'string' ? x : undefined);
    return { notice: str(o.notice), newToken: str(o.newToken) };
  } catch {
    return undefined;
  }
}

/**
 * Redirects (303) to `path` with `flash` for it. Without a session cookie (a form posted with a
 * token) there is nothing to seal it to: returns undefined, and the caller renders instead.
 */
export async function redirectWithFlash(
  c: Context<AppEnv>,
  path: string,
  flash: Flash,
): Promise<Response | undefined> {
  const session = getCookie(c, SESSION_COOKIE);
  if (!session) return undefined;
  setCookie(c, FLASH_COOKIE, await sealFlash(session, path, flash), {
    httpOnly: true,
    sameSite: 'Lax',
    path,
    secure: secureCookies(c),
    maxAge: MAX_AGE_S,
  });
  return c.redirect(path, 303);
}

/** Reads and clears the flash for `path`, if any. */
export async function takeFlash(c: Context<AppEnv>, path: string): Promise<Flash> {
  const sealed = getCookie(c, FLASH_COOKIE);
  if (sealed === undefined) return {};
  deleteCookie(c, FLASH_COOKIE, { path, secure: secureCookies(c) });
  const session = getCookie(c, SESSION_COOKIE);
  return (session && (await openFlash(session, path, sealed))) || {};
}
