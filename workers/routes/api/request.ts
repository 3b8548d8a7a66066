/** Small helpers shared by API handlers: the JSON body, the actor, pagination with `Link`. */
import type { Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import type { Actor } from '../../services/repos/authz';
import { publicRequestUrl } from '../../services/platform/public-url';

/** The request's JSON object body; a 400 for anything else. */
export async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw AppError.invalid('The body must be a JSON object', 'body_invalid');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw AppError.invalid('The body must be a JSON object', 'body_invalid');
  }
  if (holdsNul(body)) {
    throw AppError.invalid('Text in the body must not contain NUL (\\u0000)', 'body_invalid');
  }
  return body as Record<string, unknown>;
}

/** Whether any key or string value, at any depth, holds a NUL (PostgreSQL cannot store it). */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (typeof value !== 'object' || value === null || depth > 32) return false;
  for (const [k, v] of Object.entries(value)) {
    if (k.includes('\0') || holdsNul(v, depth + 1)) return true;
  }
  return false;
}

/** The actor the authorisation service works with, from the auth middleware's variables. */
export function actorOf(c: Context<AppEnv>): Actor {
  return { user: c.var.user, scopes: c.var.auth.scopes };
}

/** `?page=&per_page=` (defaults 1 and 30, per_page at most 100). */
export function pageOf(c: Context<AppEnv>): { page: number; perPage: number } {
  const num = (v: string | undefined, d: number) => {
    const n = Number(v);
    return v !== undefined && Number.isSafeInteger(n) && n > 0 ? n : d;
  };
  return {
    page: num(c.req.query('page'), 1),
    perPage: Math.min(num(c.req.query('per_page'), 30), 100),
  };
}

/** Sets GitHub's `Link` header (next, last, first, prev) for a page of `total` items. */
export function setLinkHeader(
  c: Context<AppEnv>,
  page: { page: number; perPage: number },
  total: number,
): void {
  const last = Math.max(1, Math.ceil(total / page.perPage));
  const link = (p: number, rel: string) => {
    const u = publicRequestUrl(c.env, c.req.url);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(page.perPage));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (page.page < last) parts.push(link(page.page + 1, 'next'), link(last, 'last'));
  if (page.page > 1) parts.push(link(1, 'first'), link(Math.min(page.page - 1, last), 'prev'));
  if (parts.length > 0) c.header('Link', parts.join(', '));
}
