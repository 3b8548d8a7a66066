/**
 * Refuses URLs no route can mean, before anything looks them up: a NUL byte (`%00`) anywhere in
 * the path or query (no git path, ref, owner or repository name can hold one, and PostgreSQL
 * rejects it in text), and a path whose percent-escapes are malformed or do not decode to UTF-8.
 * The answer is a 400 on the request's surface (middleware/common/errors.ts), never a 500.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { AppError } from '../../common/errors';

/** Why the raw path and query cannot be served, or undefined. */
export function urlProblem(pathname: string, search: string): string | undefined {
  if (/%00/i.test(pathname) || /%00/i.test(search) || pathname.includes('\0')) {
    return 'The URL contains a NUL byte (%00); remove it';
  }
  if (/%(?![0-9A-Fa-f]{2})/.test(pathname)) {
    return 'The URL path contains a malformed percent-escape';
  }
  try {
    decodeURIComponent(pathname);
  } catch {
    return 'The URL path is not valid UTF-8 once percent-decoded';
  }
  return undefined;
}

export function urlCheck(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const u = new URL(c.req.url);
    const problem = urlProblem(u.pathname, u.search);
    if (problem !== undefined) throw AppError.invalid(problem, 'url_invalid');
    await next();
  };
}
