/** Typed queries for personal access tokens (stored as the SHA-256 of the token string). */
import type { Db } from '../client';
import type { UserWithWallet } from './users';

export interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = `id::text AS id, user_id::text AS user_id, name, scopes, created_at, expires_at,
  last_used_at, revoked_at`;

export async function insertToken(
  db: Db,
  t: { userId: string; name: string; hash: string; scopes: string[]; expiresAt: Date | null },
): Promise<TokenRow> {
  const [row] = await db.query<TokenRow>(
    `INSERT INTO personal_access_tokens (user_id, name, token_hash, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [t.userId, t.name, t.hash, t.scopes, t.expiresAt],
  );
  if (!row) throw new Error('INSERT returned no row');
  return row;
}

/** The live (not revoked, not expired) token with this hash and its user; marks it used. */
export async function useToken(
  db: Db,
  hash: string,
  now: Date,
): Promise<{ token: TokenRow; user: UserWithWallet } | undefined> {
  const rows = await db.query<
    TokenRow & { username: string; username_chosen: boolean; address: string | null }
  >(
    `UPDATE personal_access_tokens t SET last_used_at = $2
       FROM users u
      WHERE t.token_hash = $1 AND u.id = t.user_id AND t.revoked_at IS NULL
        AND (t.expires_at IS NULL OR t.expires_at > $2)
      RETURNING t.id::text AS id, t.user_id::text AS user_id, t.name, t.scopes, t.created_at,
        t.expires_at, t.last_used_at, t.revoked_at, u.username, u.username_chosen,
        (SELECT w.address FROM wallets w WHERE w.user_id = u.id ORDER BY w.created_at LIMIT 1)
          AS address`,
    [hash, now],
  );
  const r = rows[0];
  if (!r) return undefined;
  const { username, username_chosen, address, ...token } = r;
  return {
    token,
    user: {
      id: token.user_id,
      username,
      display_name: null,
      created_at: token.created_at,
      username_chosen,
      address: address ?? '',
    },
  };
}

/** A user's tokens, newest first, revoked ones excluded. */
export async function listTokens(db: Db, userId: string): Promise<TokenRow[]> {
  return db.query<TokenRow>(
    `SELECT ${COLUMNS} FROM personal_access_tokens
      WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC`,
    [userId],
  );
}

/** Revokes one of the user's tokens; returns whether it existed and was live. */
export async function revokeToken(db: Db, userId: string, id: string, now: Date): Promise<boolean> {
  const rows = await db.query(
    `UPDATE personal_access_tokens SET revoked_at = $3
      WHERE id = $2 AND user_id = $1 AND revoked_at IS NULL RETURNING id`,
    [userId, id, now],
  );
  return rows.length > 0;
}
