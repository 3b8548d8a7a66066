/**
 * Notifications over the API in GitHub's shapes and status codes: the list (`all`,
 * `participating`, `since`, `before`, Link pagination), one thread, marking one or all read,
 * thread subscriptions, and repository watch settings (`/repos/{o}/{r}/subscription`). Rules
 * are in services/notifications/inbox.ts.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import {
  getThread,
  listNotifications,
  markAllRead,
  markRead,
  repoWatch,
  setRepoWatch,
  setThreadSubscribed,
} from '../../services/notifications/inbox';
import {
  repoSubscriptionView,
  threadSubscriptionView,
  threadView,
} from '../../services/notifications/views';
import { publicOrigin } from '../../services/platform/public-url';
import { jsonInput, optionalJsonInput, queryInput } from '../input';
import { actorOf, setLinkHeader } from './request';

const flag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((v) => v === 'true');
const time = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time' });
const pageNumber = (what: string) =>
  z
    .string()
    .regex(/^\d{1,9}$/, `must be ${what}`)
    .transform(Number)
    .refine((n) => n >= 1, `must be ${what} from 1`);

const listQuery = z.object({
  all: flag,
  participating: flag,
  since: time.optional(),
  before: time.optional(),
  page: pageNumber('a page number').default(1),
  // GitHub's default page size for notifications is 50.
  per_page: pageNumber('a page size')
    .transform((n) => Math.min(n, 100))
    .default(50),
});
const markAllInput = z.object({
  last_read_at: time.optional(),
  read: z.boolean({ error: 'must be true or false' }).default(true),
});
const threadSubInput = z.object({
  ignored: z.boolean({ error: 'must be true or false' }).default(false),
});
const repoSubInput = z.object({
  subscribed: z.boolean({ error: 'must be true or false' }).optional(),
  ignored: z.boolean({ error: 'must be true or false' }).optional(),
});

const threadId = (c: Context<AppEnv>): string => {
  const id = c.req.param('id') ?? '';
  if (!/^\d{1,18}$/.test(id)) {
    throw AppError.notFound('Notification thread not found', 'thread_not_found');
  }
  return id;
};

export const notificationRoutes = new Hono<AppEnv>()
  .get('/notifications', async (c) => {
    const q = queryInput(c, listQuery);
    const page = { page: q.page, perPage: q.per_page };
    const list = await listNotifications(
      c.var.db,
      actorOf(c),
      {
        unreadOnly: !q.all,
        participating: q.participating,
        since: q.since === undefined ? undefined : new Date(q.since),
        before: q.before === undefined ? undefined : new Date(q.before),
      },
      page,
    );
    setLinkHeader(c, page, list.total);
    c.header('Cache-Control', 'private, no-store');
    return c.json(list.rows.map((t) => threadView(t, publicOrigin(c.env))));
  })
  .put('/notifications', async (c) => {
    const body = await optionalJsonInput(c, markAllInput);
    if (body.read) {
      const before = body.last_read_at === undefined ? undefined : new Date(body.last_read_at);
      await markAllRead(c.var.db, actorOf(c), before, new Date());
    }
    return c.body(null, 205);
  })
  .get('/notifications/threads/:id', async (c) => {
    const t = await getThread(c.var.db, actorOf(c), threadId(c));
    return c.json(threadView(t, publicOrigin(c.env)));
  })
  .patch('/notifications/threads/:id', async (c) => {
    await markRead(c.var.db, actorOf(c), threadId(c), new Date());
    return c.body(null, 205);
  })
  .get('/notifications/threads/:id/subscription', async (c) => {
    const t = await getThread(c.var.db, actorOf(c), threadId(c));
    return c.json(threadSubscriptionView(t, publicOrigin(c.env)));
  })
  .put('/notifications/threads/:id/subscription', async (c) => {
    const body = await optionalJsonInput(c, threadSubInput);
    const t = await setThreadSubscribed(c.var.db, actorOf(c), threadId(c), !body.ignored);
    return c.json(threadSubscriptionView(t, publicOrigin(c.env)));
  })
  .delete('/notifications/threads/:id/subscription', async (c) => {
    await setThreadSubscribed(c.var.db, actorOf(c), threadId(c), false);
    return c.body(null, 204);
  })
  .get('/repos/:owner/:repo/subscription', async (c) => {
    const { repo, watch } = await repoWatch(
      c.var.db,
      actorOf(c),
      c.req.param('owner'),
      c.req.param('repo'),
    );
    if (!watch) throw AppError.notFound('Not subscribed to this repository', 'not_subscribed');
    return c.json(repoSubscriptionView(repo, watch, publicOrigin(c.env)));
  })
  .put('/repos/:owner/:repo/subscription', async (c) => {
    const body = await jsonInput(c, repoSubInput);
    const level = body.ignored ? 'ignoring' : body.subscribed ? 'watching' : 'participating';
    const { repo, watch } = await setRepoWatch(
      c.var.db,
      actorOf(c),
      c.req.param('owner'),
      c.req.param('repo'),
      level,
    );
    const w = watch ?? { level: 'participating' as const, created_at: new Date() };
    return c.json(repoSubscriptionView(repo, w, publicOrigin(c.env)));
  })
  .delete('/repos/:owner/:repo/subscription', async (c) => {
    await setRepoWatch(
      c.var.db,
      actorOf(c),
      c.req.param('owner'),
      c.req.param('repo'),
      'participating',
    );
    return c.body(null, 204);
  });
