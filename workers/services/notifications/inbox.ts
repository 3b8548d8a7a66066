/**
 * A user's notifications: the inbox (threads the user may still read), marking read, thread
 * subscriptions and per-repository watch settings. Reading needs a signed-in actor with
 * repo:read; changing anything needs repo:write (sessions hold both). Threads are the user's
 * own: another user's thread id is "not found".
 */
import type { Db } from '../../../db/client';
import {
  findWatch,
  setSubscribed,
  setWatch,
  type WatchRow,
} from '../../../db/queries/notification-subscriptions';
import {
  countUnread,
  findThread,
  listThreads,
  markAllRead as markAllReadRows,
  markIssueRead,
  markThreadRead,
  type ThreadFilter,
  type ThreadRow,
  type WatchLevel,
} from '../../../db/queries/notifications';
import type { RepoRow } from '../../../db/queries/repositories';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, requireUser, type Actor } from '../repos/authz';

/** The header shows at most this many ("99+" beyond). */
export const UNREAD_CAP = 100;

type Reader = Actor & { user: { id: string } };

function reader(actor: Actor, scope: 'repo:read' | 'repo:write'): Reader {
  requireUser(actor, scope);
  return actor;
}

export async function listNotifications(
  db: Db,
  actor: Actor,
  filter: ThreadFilter,
  page: { page: number; perPage: number },
): Promise<{ rows: ThreadRow[]; total: number }> {
  const a = reader(actor, 'repo:read');
  return listThreads(db, a.user.id, filter, {
    limit: page.perPage,
    offset: (page.page - 1) * page.perPage,
  });
}

/** Unread threads of a signed-in user, up to UNREAD_CAP (for the header). */
export function unreadCount(db: Db, userId: string): Promise<number> {
  return countUnread(db, userId, UNREAD_CAP);
}

async function threadOf(db: Db, a: Reader, id: string): Promise<ThreadRow> {
  const t = await findThread(db, a.user.id, id);
  if (!t) throw AppError.notFound('Notification thread not found', 'thread_not_found');
  return t;
}

export async function getThread(db: Db, actor: Actor, id: string): Promise<ThreadRow> {
  return threadOf(db, reader(actor, 'repo:read'), id);
}

export async function markRead(db: Db, actor: Actor, id: string, now: Date): Promise<void> {
  const t = await threadOf(db, reader(actor, 'repo:write'), id);
  if (t.unread) await markThreadRead(db, t.id, now);
}

/** Marks every thread last updated at or before `before` (default: now) read. */
export async function markAllRead(
  db: Db,
  actor: Actor,
  before: Date | undefined,
  now: Date,
): Promise<number> {
  const a = reader(actor, 'repo:write');
  return markAllReadRows(db, a.user.id, before ?? now, now);
}

/**
 * Marks the viewer's thread about an issue read when they open the issue's page (as GitHub
 * does); returns whether there was an unread one. The page itself was authorised already.
 */
export async function readOnVisit(
  db: Db,
  userId: string,
  issueId: string,
  now: Date,
): Promise<boolean> {
  return markIssueRead(db, userId, issueId, now);
}

/** Subscribes to (true) or unsubscribes from (false) a thread's issue; returns the thread. */
export async function setThreadSubscribed(
  db: Db,
  actor: Actor,
  id: string,
  subscribed: boolean,
): Promise<ThreadRow> {
  const a = reader(actor, 'repo:write');
  const t = await threadOf(db, a, id);
  await setSubscribed(db, t.issue_id, a.user.id, subscribed);
  return threadOf(db, a, id);
}

/** The repository (readable by the actor, else 404) and the actor's watch setting on it. */
export async function repoWatch(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
): Promise<{ repo: RepoRow; watch: WatchRow | undefined }> {
  const a = reader(actor, 'repo:read');
  const repo = await loadRepoForAction(db, a, owner, name, 'read');
  return { repo, watch: await findWatch(db, a.user.id, repo.id) };
}

/** Sets the actor's watch level on a repository they can read. */
export async function setRepoWatch(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  level: WatchLevel,
): Promise<{ repo: RepoRow; watch: WatchRow | undefined }> {
  const a = reader(actor, 'repo:write');
  const repo = await loadRepoForAction(db, a, owner, name, 'read');
  await setWatch(db, a.user.id, repo.id, level);
  return { repo, watch: await findWatch(db, a.user.id, repo.id) };
}
