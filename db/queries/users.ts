/** Typed queries for users and their wallets. */
import type { Db } from '../client';

export interface UserRow {
  id: string;
  username: string;
  display_name: string | null;
  created_at: Date;
  /** False while the user still has the generated `u-…` name they were given at sign-up. */
  username_chosen: boolean;
}

export interface UserWithWallet extends UserRow {
  address: string;
}

/** Finds the user owning a wallet address (any case). */
export async function findUserByWallet(
  db: Db,
  address: string,
): Promise<UserWithWallet | undefined> {
  const rows = await db.query<UserWithWallet>(
    `SELECT u.id::text AS id, u.username, u.display_name, u.created_at, u.username_chosen,
            w.address
       FROM wallets w JOIN users u ON u.id = w.user_id WHERE w.address = lower($1)`,
    [address],
  );
  return rows[0];
}

export async function findUserByUsername(db: Db, username: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    `SELECT id::text AS id, username, display_name, created_at, username_chosen FROM users
      WHERE lower(username) = lower($1)`,
    [username],
  );
  return rows[0];
}

/**
 * Creates a user with a wallet in one transaction, with a generated username they have not
 * chosen yet. `username` must be free; the caller derives it and retries with another on a
 * unique violation. A redirect left by someone's old username of that name ends.
 */
export async function createUserWithWallet(
  db: Db,
  username: string,
  address: string,
): Promise<UserWithWallet> {
  return db.transaction(async (tx) => {
    const [user] = await tx.query<UserRow>(
      `INSERT INTO users (username, username_chosen) VALUES ($1, false)
       RETURNING id::text AS id, username, display_name, created_at, username_chosen`,
      [username],
    );
    if (!user) throw new Error('INSERT returned no row');
    await tx.query(`DELETE FROM user_redirects WHERE lower(name) = lower($1)`, [username]);
    await tx.query('INSERT INTO wallets (address, user_id) VALUES (lower($1), $2)', [
      address,
      user.id,
    ]);
    return { ...user, address: address.toLowerCase() };
  });
}

/** A user by id, with their first wallet address (empty string when none). */
export async function findUserById(db: Db, id: string): Promise<UserWithWallet | undefined> {
  const rows = await db.query<UserWithWallet>(
    `SELECT u.id::text AS id, u.username, u.display_name, u.created_at, u.username_chosen,
            COALESCE((SELECT w.address FROM wallets w WHERE w.user_id = u.id
                       ORDER BY w.created_at LIMIT 1), '') AS address
       FROM users u WHERE u.id = $1`,
    [id],
  );
  return rows[0];
}

/** Changes a username; returns false when another user already holds it (any case). */
export async function renameUser(db: Db, id: string, username: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE users SET username = $2, updated_at = now()
      WHERE id = $1 AND NOT EXISTS (
        SELECT 1 FROM users o WHERE lower(o.username) = lower($2) AND o.id <> $1)
      RETURNING id`,
    [id, username],
  );
  return rows.length > 0;
}
