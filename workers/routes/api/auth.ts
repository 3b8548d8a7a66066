/** Sign-in with Ethereum: GET /api/v1/auth/nonce, POST /verify, POST /logout. */
import { Hono, type Context } from 'hono';
import { deleteCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../env';
import { SESSION_COOKIE } from '../../middleware/auth';
import { parsePublicUrl, publicUrl } from '../../services/platform/public-url';
import {
  issueNonce,
  signIn,
  signInBody,
  signOut,
  type SignInResult,
} from '../../services/identity/sign-in';
import { userView } from '../../services/identity/users';
import { jsonInput } from '../input';

/**
 * Whether cookies are `Secure`: always, except in development mode behind a plain-http public
 * URL (`npm start` on a laptop), where a browser would drop them. Decided by configuration, not
 * by the Host the request names.
 */
export function secureCookies(c: Context<AppEnv>): boolean {
  const p = parsePublicUrl(c.env.PLUE_PUBLIC_URL);
  return !(c.env.PLUE_ENV === 'development' && p?.protocol === 'http:');
}

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure (see `secureCookies`). */
export function setSessionCookie(c: Context<AppEnv>, s: SignInResult): void {
  setCookie(c, SESSION_COOKIE, s.sessionToken, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: secureCookies(c),
    expires: s.expiresAt,
  });
}

/** Revokes the current session (if any) and clears the cookie. */
export async function endSession(c: Context<AppEnv>): Promise<void> {
  const id = c.var.auth.sessionId;
  if (id !== undefined) await signOut(c.var.db, id, new Date());
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secureCookies(c) });
}

export const authRoutes = new Hono<AppEnv>()
  .get('/nonce', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json({ nonce: await issueNonce(c.env) });
  })
  .post('/verify', async (c) => {
    const body = await jsonInput(c, signInBody, 'siwe_malformed');
    // The expected domain and URI come from configuration: a message signed for another site
    // must not open a session here, whatever Host the request names.
    const site = publicUrl(c.env);
    const result = await signIn(c.var.db, c.env, {
      message: body.message,
      signature: body.signature,
      host: site.host,
      origin: site.origin,
      userAgent: c.req.header('User-Agent') ?? null,
      now: new Date(),
    });
    setSessionCookie(c, result);
    c.header('Cache-Control', 'no-store');
    const u = result.user;
    return c.json({
      user: userView({ id: u.id, login: u.username, wallet_address: u.address }, u.created_at),
      // A new user still has the generated `u-…` name: the sign-in page asks them to choose.
      choose_username: !u.username_chosen,
    });
  })
  .post('/logout', async (c) => {
    await endSession(c);
    return c.body(null, 204);
  });
