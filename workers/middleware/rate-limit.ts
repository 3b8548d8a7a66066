/**
 * Per-client rate limits: /api/v1/auth/* per client IP (`RATE_LIMIT_AUTH_PER_MIN`, default 60)
 * and API writes per user, or per IP when anonymous (`RATE_LIMIT_WRITE_PER_MIN`, default 600).
 * Requests of internal components (the SSH bridge, the controller, operators) are not limited here.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { enforceRateLimit, limitFrom } from '../services/platform/rate-limit';

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function rateLimits(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.var.auth.component !== undefined) return next();
    const path = c.req.path;
    const ip = c.req.header('CF-Connecting-IP') ?? 'unknown';
    if (path.startsWith('/api/v1/auth/')) {
      await enforceRateLimit(c.env, `auth:${ip}`, limitFrom(c.env.RATE_LIMIT_AUTH_PER_MIN, 60));
    } else if (WRITE.has(c.req.method) && path.startsWith('/api/')) {
      const who = c.var.user ? `user:${c.var.user.id}` : `ip:${ip}`;
      await enforceRateLimit(c.env, `write:${who}`, limitFrom(c.env.RATE_LIMIT_WRITE_PER_MIN, 600));
    }
    return next();
  };
}
