/**
 * The header's unread-notification counter: for a signed-in (session) user viewing a page
 * (GET or HEAD outside /api, /internal and /static), one indexed count of their unread threads
 * (capped at 100) is added to `c.var.user.unread`, which the layout shows. Once per request,
 * and never for API, git or asset requests.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { unreadCount as countUnread } from '../services/notifications/inbox';

const NOT_PAGES = /^\/(api|internal|static)\//;

export function unreadCount(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const user = c.var.user;
    const method = c.req.method;
    if (
      user !== undefined &&
      c.var.auth.kind === 'session' &&
      (method === 'GET' || method === 'HEAD') &&
      !NOT_PAGES.test(c.req.path)
    ) {
      c.set('user', { ...user, unread: await countUnread(c.var.db, user.id) });
    }
    await next();
  };
}
