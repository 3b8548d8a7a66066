/**
 * Typed queries for notification threads (one per user and issue; subscriptions and watch
 * settings are in notification-subscriptions.ts). Every read of threads re-checks that the user may still read the
 * issue's repository (the same rule as services/repos/authz.ts: public, or owner, or
 * collaborator), so access removed later hides what was sent before.
 */
import type { Db } from '../client';

export type WatchLevel = 'watching' | 'participating' | 'ignoring';
export type SubscriptionReason = 'author' | 'comment' | 'mention' | 'assign' | 'manual';
export type NotificationReason =
  | 'mention'
  | 'assign'
  | 'comment'
  | 'author'
  | 'subscribed'
  | 'manual'
  | 'state_change'
  | 'review_requested';

export interface ThreadRow {
  id: string;
  user_id: string;
  reason: NotificationReason;
  unread: boolean;
  updated_at: Date;
  last_read_at: Date | null;
  last_event: string;
  last_comment_id: string | null;
  last_actor_login: string | null;
  issue_id: string;
  issue_number: number;
  issue_title: string;
  issue_state: 'open' | 'closed';
  repo_id: string;
  repo_owner_login: string;
  repo_owner_id: string;
  repo_name: string;
  repo_private: boolean;
  repo_description: string;
  /** Whether the user is subscribed to the issue (false: unsubscribed; null: no row). */
  subscribed: boolean | null;
  subscribed_at: Date | null;
}

/** The user may read the issue's repository (kept in step with authz.ts's roleOn). */
const READABLE = `(NOT r.private OR r.owner_id = n.user_id OR EXISTS (
  SELECT 1 FROM collaborators c WHERE c.repo_id = r.id AND c.user_id = n.user_id))`;

const THREAD_SELECT = `SELECT n.id::text AS id, n.user_id::text AS user_id, n.reason, n.unread,
  n.updated_at, n.last_read_at, n.last_event, n.last_comment_id::text AS last_comment_id,
  la.username AS last_actor_login, i.id::text AS issue_id, i.number::int AS issue_number,
  i.title AS issue_title, i.state AS issue_state, r.id::text AS repo_id,
  ou.username AS repo_owner_login, r.owner_id::text AS repo_owner_id, r.name AS repo_name,
  r.private AS repo_private, r.description AS repo_description, s.subscribed,
  s.created_at AS subscribed_at
  FROM notification_threads n
  JOIN issues i ON i.id = n.issue_id
  JOIN repositories r ON r.id = i.repo_id
  JOIN users ou ON ou.id = r.owner_id
  LEFT JOIN users la ON la.id = n.last_actor_id
  LEFT JOIN issue_subscriptions s ON s.issue_id = n.issue_id AND s.user_id = n.user_id`;

export interface ThreadFilter {
  /** Only unread threads. */
  unreadOnly: boolean;
  /** Only threads the user takes part in (any reason but `subscribed`). */
  participating: boolean;
  /** Only threads updated at or after / before these times. */
  since?: Date | undefined;
  before?: Date | undefined;
  /** Unread before read (the inbox page); else newest first only (the API). */
  unreadFirst?: boolean;
}

function where(f: ThreadFilter, params: unknown[]): string {
  const parts = [`n.user_id = $1`, READABLE];
  if (f.unreadOnly) parts.push('n.unread');
  if (f.participating) parts.push(`n.reason <> 'subscribed'`);
  if (f.since) parts.push(`n.updated_at >= $${params.push(f.since)}`);
  if (f.before) parts.push(`n.updated_at < $${params.push(f.before)}`);
  return parts.join(' AND ');
}

/** A page of the user's threads the user may still read, with the total matching. */
export async function listThreads(
  db: Db,
  userId: string,
  f: ThreadFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: ThreadRow[]; total: number }> {
  const params: unknown[] = [userId];
  const w = where(f, params);
  const order = `${f.unreadFirst ? 'n.unread DESC, ' : ''}n.updated_at DESC, n.id DESC`;
  const rows = await db.query<ThreadRow>(
    `${THREAD_SELECT} WHERE ${w} ORDER BY ${order}
     LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, page.limit, page.offset],
  );
  const [count] = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM notification_threads n JOIN issues i ON i.id = n.issue_id
       JOIN repositories r ON r.id = i.repo_id WHERE ${w}`,
    params,
  );
  return { rows, total: Number(count?.n ?? 0) };
}

/** Unread threads the user may read, counted up to `cap` (the header shows "cap+" beyond). */
export async function countUnread(db: Db, userId: string, cap: number): Promise<number> {
  const [row] = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM (SELECT 1 FROM notification_threads n
       JOIN issues i ON i.id = n.issue_id JOIN repositories r ON r.id = i.repo_id
       WHERE n.user_id = $1 AND n.unread AND ${READABLE} LIMIT $2) t`,
    [userId, cap],
  );
  return Number(row?.n ?? 0);
}

/** One of the user's threads, if it exists and the user may still read its repository. */
export async function findThread(
  db: Db,
  userId: string,
  id: string,
): Promise<ThreadRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const rows = await db.query<ThreadRow>(
    `${THREAD_SELECT} WHERE n.user_id = $1 AND n.id = $2 AND ${READABLE}`,
    [userId, id],
  );
  return rows[0];
}

export async function markThreadRead(db: Db, id: string, now: Date): Promise<void> {
  await db.query(
    `UPDATE notification_threads SET unread = false, last_read_at = $2 WHERE id = $1`,
    [id, now],
  );
}

/** Marks the user's thread about an issue read; returns whether it was unread. */
export async function markIssueRead(
  db: Db,
  userId: string,
  issueId: string,
  now: Date,
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE notification_threads SET unread = false, last_read_at = $3
      WHERE user_id = $1 AND issue_id = $2 AND unread RETURNING id::text AS id`,
    [userId, issueId, now],
  );
  return rows.length > 0;
}

/** Marks the user's threads updated before `before` read; returns how many changed. */
export async function markAllRead(
  db: Db,
  userId: string,
  before: Date,
  now: Date,
  repoId?: string,
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `UPDATE notification_threads n SET unread = false, last_read_at = $3
      WHERE n.user_id = $1 AND n.unread AND n.updated_at <= $2
        AND ($4::bigint IS NULL OR n.issue_id IN (SELECT id FROM issues WHERE repo_id = $4))
      RETURNING n.id::text AS id`,
    [userId, before, now, repoId ?? null],
  );
  return rows.length;
}

export interface ThreadUpdate {
  userId: string;
  reason: NotificationReason;
}

/** Creates or bumps (unread again, newest reason and actor) the threads of one issue change. */
export async function upsertThreads(
  db: Db,
  issueId: string,
  updates: ThreadUpdate[],
  last: { actorId: string | null; event: string; commentId: string | null; now: Date },
): Promise<void> {
  if (updates.length === 0) return;
  await db.query(
    `INSERT INTO notification_threads
       (user_id, issue_id, reason, unread, updated_at, last_actor_id, last_event, last_comment_id)
     SELECT u.user_id, $1, u.reason, true, $4, $5, $6, $7
       FROM unnest($2::bigint[], $3::text[]) AS u (user_id, reason)
     ON CONFLICT (user_id, issue_id) DO UPDATE SET reason = EXCLUDED.reason, unread = true,
       updated_at = EXCLUDED.updated_at, last_actor_id = EXCLUDED.last_actor_id,
       last_event = EXCLUDED.last_event,
       last_comment_id = COALESCE(EXCLUDED.last_comment_id, notification_threads.last_comment_id)`,
    [
      issueId,
      updates.map((u) => u.userId),
      updates.map((u) => u.reason),
      last.now,
      last.actorId,
      last.event,
      last.commentId,
    ],
  );
}
