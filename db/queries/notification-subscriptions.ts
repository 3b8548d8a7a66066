/**
 * Typed queries for who follows what: issue subscriptions (participants, and users who
 * unsubscribed from a thread) and per-repository watch settings.
 */
import type { Db } from '../client';
import type { SubscriptionReason, WatchLevel } from './notifications';

export interface SubscriptionRow {
  user_id: string;
  subscribed: boolean;
  reason: SubscriptionReason;
}

export async function listSubscriptions(db: Db, issueId: string): Promise<SubscriptionRow[]> {
  return db.query<SubscriptionRow>(
    `SELECT user_id::text AS user_id, subscribed, reason FROM issue_subscriptions
      WHERE issue_id = $1`,
    [issueId],
  );
}

/**
 * Subscribes users to an issue for `reason`. Existing rows are kept as they are, unless
 * `resubscribe` (taking part again undoes an earlier unsubscribe).
 */
export async function subscribe(
  db: Db,
  issueId: string,
  userIds: string[],
  reason: SubscriptionReason,
  resubscribe: boolean,
): Promise<void> {
  if (userIds.length === 0) return;
  await db.query(
    `INSERT INTO issue_subscriptions (issue_id, user_id, subscribed, reason)
       SELECT $1, u, true, $3 FROM unnest($2::bigint[]) AS u
     ON CONFLICT (issue_id, user_id) DO ${resubscribe ? 'UPDATE SET subscribed = true' : 'NOTHING'}`,
    [issueId, userIds, reason],
  );
}

/** Subscribes or unsubscribes one user (a manual choice, kept until they take part again). */
export async function setSubscribed(
  db: Db,
  issueId: string,
  userId: string,
  subscribed: boolean,
): Promise<void> {
  await db.query(
    `INSERT INTO issue_subscriptions (issue_id, user_id, subscribed, reason)
       VALUES ($1, $2, $3, 'manual')
     ON CONFLICT (issue_id, user_id) DO UPDATE SET subscribed = EXCLUDED.subscribed`,
    [issueId, userId, subscribed],
  );
}

export async function deleteSubscription(db: Db, issueId: string, userId: string): Promise<void> {
  await db.query(`DELETE FROM issue_subscriptions WHERE issue_id = $1 AND user_id = $2`, [
    issueId,
    userId,
  ]);
}

export interface WatchRow {
  level: WatchLevel;
  created_at: Date;
}

export async function findWatch(
  db: Db,
  userId: string,
  repoId: string,
): Promise<WatchRow | undefined> {
  const rows = await db.query<WatchRow>(
    `SELECT level, created_at FROM repository_watches WHERE user_id = $1 AND repo_id = $2`,
    [userId, repoId],
  );
  return rows[0];
}

/** Sets the user's watch level on a repository; 'participating' (the default) drops the row. */
export async function setWatch(
  db: Db,
  userId: string,
  repoId: string,
  level: WatchLevel,
): Promise<void> {
  if (level === 'participating') {
    await db.query(`DELETE FROM repository_watches WHERE user_id = $1 AND repo_id = $2`, [
      userId,
      repoId,
    ]);
    return;
  }
  await db.query(
    `INSERT INTO repository_watches (user_id, repo_id, level) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, repo_id) DO UPDATE SET level = EXCLUDED.level,
       created_at = CASE WHEN repository_watches.level = EXCLUDED.level
         THEN repository_watches.created_at ELSE now() END`,
    [userId, repoId, level],
  );
}

/** Users who watch (all activity) or ignore the repository. */
export async function watchersOf(
  db: Db,
  repoId: string,
): Promise<{ watching: string[]; ignoring: string[] }> {
  const rows = await db.query<{ user_id: string; level: WatchLevel }>(
    `SELECT user_id::text AS user_id, level FROM repository_watches
      WHERE repo_id = $1 AND level IN ('watching', 'ignoring')`,
    [repoId],
  );
  return {
    watching: rows.filter((r) => r.level === 'watching').map((r) => r.user_id),
    ignoring: rows.filter((r) => r.level === 'ignoring').map((r) => r.user_id),
  };
}
