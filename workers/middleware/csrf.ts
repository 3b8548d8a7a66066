/**
 * Same-origin check for state-changing requests (POST/PUT/PATCH/DELETE), as hono's `csrf`
 * middleware does, extended to Referer: a cookie-authenticated request must carry an Origin (or,
 * without one, a Referer) of this origin; any request carrying a foreign Origin is refused too
 * (that covers sign-in CSRF). Requests authenticated by a token or the SSH bridge are exempt;
 * component requests carry no cookie, so only a foreign Origin refuses them.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../../common/errors';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(value: string | undefined): string | undefined {
  if (!value || value === 'null') return value === 'null' ? 'null' : undefined;
  try {
    return new URL(value).origin;
  } catch {
    return 'invalid';
  }
}

export function csrf(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const kind = c.var.auth.kind;
    if (SAFE.has(c.req.method) || kind === 'token' || kind === 'ssh' || kind === 'job')
      return next();
    const self = new URL(c.req.url).origin;
    const origin = originOf(c.req.header('Origin'));
    const source = origin ?? originOf(c.req.header('Referer'));
    const cookieAuth = kind === 'session';
    if ((source === undefined && cookieAuth) || (source !== undefined && source !== self)) {
      throw AppError.forbidden(
        'Cross-site request refused: state-changing requests must come from this site',
        'csrf_rejected',
      );
    }
    return next();
  };
}
