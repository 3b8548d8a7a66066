/** Typed queries for server-side sessions (looked up by the SHA-256 of the cookie's token). */
import type { Db } from '../client';
import type { UserWithWallet } from './users';

export interface SessionRow {
  id: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  user_agent: string | null;
}

export async function insertSession(
  db: Db,
  s: { id: string; userId: string; expiresAt: Date; userAgent: string | null },
): Promise<void> {
  await db.query(
    `INSERT INTO sessions (id, user_id, expires_at, user_agent) VALUES ($1, $2, $3, $4)`,
    [s.id, s.userId, s.expiresAt, s.userAgent],
  );
}

/** The user of a live session (not revoked, not expired at `now`), with their wallet. */
export async function findSessionUser(
  db: Db,
  id: string,
  now: Date,
): Promise<UserWithWallet | undefined> {
  const rows = await db.query<UserWithWallet>(
    `SELECT u.id::text AS id, u.username, u.display_name, u.created_at, u.username_chosen,
            COALESCE((SELECT w.address FROM wallets w WHERE w.user_id = u.id
                       ORDER BY w.created_at LIMIT 1), '') AS address
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > $2`,
    [id, now],
  );
  return rows[0];
}

export async function findSession(db: Db, id: string): Promise<SessionRow | undefined> {
  const rows = await db.query<SessionRow>(
    `SELECT id, user_id::text AS user_id, created_at, expires_at, revoked_at, user_agent
       FROM sessions WHERE id = $1`,
    [id],
  );
  return rows[0];
}

/** Revokes a session; returns whether a live one was revoked. */
export async function revokeSession(db: Db, id: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
    [id, now],
  );
  return rows.length > 0;
}
