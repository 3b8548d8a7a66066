/**
 * The notification pages: the inbox (`/notifications?filter=all|unread|participating`), forms
 * to mark one thread or all read and to unsubscribe from (or subscribe to) a thread, and the
 * repository watch form (`POST /{owner}/{repo}/subscription`). Every form is answered with a
 * 303 back to the page it came from (POST→redirect→GET); anonymous visitors go to sign in.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv, CurrentUser } from '../../env';
import {
  listNotifications,
  markAllRead,
  markRead,
  readOnVisit,
  repoWatch,
  setRepoWatch,
  setThreadSubscribed,
  UNREAD_CAP,
} from '../../services/notifications/inbox';
import { loadRepoForAction } from '../../services/repos/authz';
import { InboxPage } from '../../views/notifications/inbox-page';
import { WatchForm } from '../../views/notifications/watch-form';
import { actorOf } from '../api/request';
import { formInput, formText, queryInput, uiPageQuery } from '../input';

const PER_PAGE = 25;
const INBOX = '/notifications';
const inboxQuery = uiPageQuery.extend({
  filter: z
    .enum(['all', 'unread', 'participating'], { error: 'must be all, unread or participating' })
    .default('all'),
});
/** Where to go back to: a path of the inbox only (never another site). */
const backForm = z.object({
  back: formText
    .optional()
    .transform((v) => (v !== undefined && /^\/notifications(\?[\w=&%-]*)?$/.test(v) ? v : INBOX)),
});
const watchForm = z.object({
  level: z.enum(['watching', 'participating', 'ignoring'], {
    error: 'must be watching, participating or ignoring',
  }),
});

/** Runs an inbox form action for a signed-in user, then goes back to the inbox. */
function inboxAction(run: (c: Context<AppEnv>) => Promise<void>) {
  return async (c: Context<AppEnv>) => {
    if (!c.var.user) return c.redirect(`/login?next=${encodeURIComponent(INBOX)}`, 303);
    const { back } = await formInput(c, backForm);
    await run(c);
    return c.redirect(back, 303);
  };
}

const thread = (c: Context<AppEnv>) => c.req.param('id') ?? '';

/** The watch form for `repo` when the viewer is signed in (for the repository's pages). */
export async function watchFormFor(
  c: Context<AppEnv>,
  owner: string,
  name: string,
): Promise<ReturnType<typeof WatchForm> | undefined> {
  if (!c.var.user) return undefined;
  const { repo, watch } = await repoWatch(c.var.db, actorOf(c), owner, name);
  return (
    <WatchForm owner={repo.owner_login} name={repo.name} level={watch?.level ?? 'participating'} />
  );
}

/**
 * The signed-in viewer of an issue page, after marking their notification about it read (the
 * header's count, taken before, goes down by it); undefined for anonymous viewers.
 */
export async function viewerOfIssue(
  c: Context<AppEnv>,
  issueId: string,
): Promise<CurrentUser | undefined> {
  const user = c.var.user;
  if (!user || c.var.auth.kind !== 'session') return user;
  if (!(await readOnVisit(c.var.db, user.id, issueId, new Date()))) return user;
  // A count at the cap stands for more than it says: it stays.
  if (user.unread === undefined || user.unread >= UNREAD_CAP) return user;
  return { ...user, unread: Math.max(0, user.unread - 1) };
}

export const notificationPageRoutes = new Hono<AppEnv>()
  .get('/notifications', async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect(`/login?next=${encodeURIComponent(INBOX)}`, 303);
    const q = queryInput(c, inboxQuery);
    const list = await listNotifications(
      c.var.db,
      actorOf(c),
      {
        unreadOnly: q.filter === 'unread',
        participating: q.filter === 'participating',
        unreadFirst: true,
      },
      { page: q.page, perPage: PER_PAGE },
    );
    c.header('Cache-Control', 'private, no-store');
    return c.html(
      <InboxPage
        user={user}
        filter={q.filter}
        rows={list.rows}
        total={list.total}
        page={q.page}
        perPage={PER_PAGE}
        now={Date.now()}
      />,
    );
  })
  .post(
    '/notifications/read',
    inboxAction(async (c) => {
      await markAllRead(c.var.db, actorOf(c), undefined, new Date());
    }),
  )
  .post(
    '/notifications/threads/:id/read',
    inboxAction(async (c) => markRead(c.var.db, actorOf(c), thread(c), new Date())),
  )
  .post(
    '/notifications/threads/:id/unsubscribe',
    inboxAction(async (c) => {
      await setThreadSubscribed(c.var.db, actorOf(c), thread(c), false);
    }),
  )
  .post(
    '/notifications/threads/:id/subscribe',
    inboxAction(async (c) => {
      await setThreadSubscribed(c.var.db, actorOf(c), thread(c), true);
    }),
  )
  .post('/:owner/:repo/subscription', async (c) => {
    const owner = c.req.param('owner');
    const name = c.req.param('repo');
    if (!c.var.user) {
      // Only a repository the visitor may read sends them to sign in (others are not found).
      const repo = await loadRepoForAction(c.var.db, actorOf(c), owner, name, 'read');
      const issues = `/${repo.owner_login}/${repo.name}/issues`;
      return c.redirect(`/login?next=${encodeURIComponent(issues)}`, 303);
    }
    const { level } = await formInput(c, watchForm);
    const { repo } = await setRepoWatch(c.var.db, actorOf(c), owner, name, level);
    return c.redirect(`/${repo.owner_login}/${repo.name}/issues`, 303);
  });
