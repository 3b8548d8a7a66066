/** Typed queries for what a profile shows of a user's recent activity (their pushes). */
import type { Db } from '../client';

export interface PushActivityRow {
  id: string;
  owner_login: string;
  repo_name: string;
  ref: string;
  before_sha: string | null;
  after_sha: string;
  created_at: Date;
}

/**
 * The latest pushes by `userId` to repositories `viewerId` may see (public ones, plus private
 * ones the viewer owns or collaborates on), newest first.
 */
export async function listRecentPushes(
  db: Db,
  userId: string,
  viewerId: string | null,
  limit: number,
): Promise<PushActivityRow[]> {
  return db.query<PushActivityRow>(
    `SELECT e.id::text AS id, u.username AS owner_login, r.name AS repo_name, e.ref,
            e.before_sha, e.after_sha, e.created_at
       FROM workflow_events e
       JOIN repositories r ON r.id = e.repo_id
       JOIN users u ON u.id = r.owner_id
      WHERE e.actor_id = $1 AND e.type = 'push'
        AND (NOT r.private OR r.owner_id = $2::bigint OR EXISTS (
          SELECT 1 FROM collaborators c WHERE c.repo_id = r.id AND c.user_id = $2::bigint))
      ORDER BY e.id DESC LIMIT $3`,
    [userId, viewerId, limit],
  );
}
