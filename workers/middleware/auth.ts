/**
 * Authenticates every request and sets `c.var.user` (or undefined) and `c.var.auth`:
 * - the SSH bridge: `X-Plue-Internal-Secret` (constant-time compared) + `X-Plue-User-Id` → 'ssh';
 * - `Authorization: Bearer plue_pat_…`, or HTTP Basic with the token as password → 'token';
 * - the `plue_session` cookie of a live (unrevoked, unexpired) session → 'session';
 * - otherwise 'anonymous'. A bad token or internal secret is a 401, a dead cookie is anonymous.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv, AuthInfo, CurrentUser, Env } from '../env';
import { AppError } from '../../common/errors';
import { internalSecretProblem } from '../../common/dev-secret';
import { constantTimeEqual } from '../services/identity/secrets';
import { userOfSession } from '../services/identity/sign-in';
import { ALL_SCOPES, authenticateToken } from '../services/identity/tokens';
import { currentUserById } from '../services/identity/users';

export const SESSION_COOKIE = 'plue_session';
export const INTERNAL_SECRET_HEADER = 'X-Plue-Internal-Secret';

/**
 * True when `presented` is the configured internal secret and that secret may be used here: the
 * public dev default only in development mode, with a loopback PLUE_PUBLIC_URL, for a caller
 * on loopback (`clientIp`, Cloudflare's CF-Connecting-IP, when the request has one).
 */
export function internalSecretValid(
  env: Env,
  presented: string | undefined,
  clientIp?: string,
): boolean {
  const secret = env.PLUE_INTERNAL_SECRET;
  if (!secret || presented === undefined) return false;
  const problem = internalSecretProblem({
    mode: env.PLUE_ENV,
    secret,
    addresses: [env.PLUE_PUBLIC_URL, ...(clientIp === undefined ? [] : [clientIp])],
  });
  if (problem !== undefined) return false;
  return constantTimeEqual(presented, secret);
}

/** `internalSecretValid` for a request: its header and its client address. */
export function requestHasInternalSecret(c: Context<AppEnv>): boolean {
  return internalSecretValid(
    c.env,
    c.req.header(INTERNAL_SECRET_HEADER),
    c.req.header('CF-Connecting-IP'),
  );
}

/** Throws `unauthenticated` unless the request carries the internal secret. */
export function requireInternalSecret(c: Context<AppEnv>): void {
  if (!requestHasInternalSecret(c)) {
    throw AppError.unauthenticated('Internal endpoint', 'internal_secret_invalid');
  }
}

/** Middleware for routes only the bridge, the runner controller and operators may call. */
export const internalSecretOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  requireInternalSecret(c);
  await next();
};

/** The token presented in Authorization (Bearer, or Basic's password), if any. */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (/^bearer$/i.test(scheme) || /^token$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      return undefined;
    }
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

const badCredentials = (): AppError =>
  AppError.unauthenticated(
    'Bad credentials: the token is unknown, revoked or expired',
    'bad_credentials',
  );

function setIdentity(c: Context<AppEnv>, user: CurrentUser | undefined, auth: AuthInfo): void {
  c.set('user', user);
  c.set('auth', auth);
}

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const now = new Date();
    const db = c.var.db;
    setIdentity(c, undefined, { kind: 'anonymous', scopes: new Set() });
    // The stylesheet and other static files need no identity (and no database round trip).
    if (c.req.path.startsWith('/static/')) return next();

    const internal = c.req.header(INTERNAL_SECRET_HEADER);
    if (internal !== undefined) {
      if (!requestHasInternalSecret(c)) {
        throw AppError.unauthenticated('Bad internal secret', 'internal_secret_invalid');
      }
      const userId = c.req.header('X-Plue-User-Id');
      if (userId !== undefined) {
        if (!/^\d{1,18}$/.test(userId)) {
          throw AppError.unauthenticated('Unknown user', 'internal_user_unknown');
        }
        // The bridge (already authenticated by the secret) may name the login it looked up with
        // the key, which spares a database read on every git request of an SSH session.
        const login = c.req.header('X-Plue-User-Login');
        if (login !== undefined && /^[A-Za-z0-9-]{1,39}$/.test(login)) {
          setIdentity(
            c,
            { id: userId, login, wallet_address: '' },
            { kind: 'ssh', scopes: new Set(ALL_SCOPES) },
          );
          return next();
        }
        const u = await currentUserById(db, userId);
        if (!u) throw AppError.unauthenticated('Unknown user', 'internal_user_unknown');
        setIdentity(c, u, { kind: 'ssh', scopes: new Set(ALL_SCOPES) });
      }
      return next();
    }

    const authorization = c.req.header('Authorization');
    // Run-scoped tokens are checked by the internal runs API itself (routes/internal/runs.ts).
    if (authorization !== undefined && !c.req.path.startsWith('/internal/runs/')) {
      const token = presentedToken(authorization);
      const found = token === undefined ? undefined : await authenticateToken(db, token, now);
      if (!found) throw badCredentials();
      const u = found.user;
      setIdentity(
        c,
        { id: u.id, login: u.username, wallet_address: u.address },
        {
          kind: 'token',
          scopes: found.scopes,
        },
      );
      return next();
    }

    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie !== undefined) {
      const s = await userOfSession(db, cookie, now);
      if (s) {
        const u = s.user;
        setIdentity(
          c,
          { id: u.id, login: u.username, wallet_address: u.address },
          {
            kind: 'session',
            scopes: new Set(ALL_SCOPES),
            sessionId: s.sessionId,
          },
        );
      }
    }
    return next();
  };
}
