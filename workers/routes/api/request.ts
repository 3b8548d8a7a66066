/** Small helpers shared by API handlers: the actor, pagination with `Link` (and `jsonBody`). */
import type { Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import type { Actor } from '../../services/repos/authz';
import { publicRequestUrl } from '../../services/platform/public-url';
import { queryInput, queryNumber } from '../input';

export { jsonBody } from '../input';

/** The actor the authorisation service works with, from the auth middleware's variables. */
export function actorOf(c: Context<AppEnv>): Actor {
  return { user: c.var.user, scopes: c.var.auth.scopes };
}

const atLeastOne = (what: string) =>
  queryNumber(what).refine((n) => n >= 1, `must be ${what} from 1`);

/** `?page=&per_page=`: defaults 1 and 30; per_page above 100 counts as 100. */
const pageQuery = z.object({
  page: atLeastOne('a page number').default(1),
  per_page: atLeastOne('a page size')
    .transform((n) => Math.min(n, 100))
    .default(30),
});

/** `?page=&per_page=` (defaults 1 and 30, per_page at most 100); bad values are `invalid`. */
export function pageOf(c: Context<AppEnv>): { page: number; perPage: number } {
  const q = queryInput(c, pageQuery);
  return { page: q.page, perPage: q.per_page };
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
