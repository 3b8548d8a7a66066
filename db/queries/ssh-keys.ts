/** Typed queries for users' SSH public keys (unique by SHA256 fingerprint across all users). */
import type { Db } from '../client';

export interface SshKeyRow {
  id: string;
  user_id: string;
  title: string;
  key_type: string;
  public_key: string;
  fingerprint: string;
  created_at: Date;
  last_used_at: Date | null;
}

const COLUMNS = `id::text AS id, user_id::text AS user_id, title, key_type, public_key,
  fingerprint, created_at, last_used_at`;

/** Inserts a key; returns undefined when the fingerprint is already registered (by anyone). */
export async function insertSshKey(
  db: Db,
  k: { userId: string; title: string; keyType: string; publicKey: string; fingerprint: string },
): Promise<SshKeyRow | undefined> {
  const rows = await db.query<SshKeyRow>(
    `INSERT INTO ssh_keys (user_id, title, key_type, public_key, fingerprint)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (fingerprint) DO NOTHING RETURNING ${COLUMNS}`,
    [k.userId, k.title, k.keyType, k.publicKey, k.fingerprint],
  );
  return rows[0];
}

export async function listSshKeys(db: Db, userId: string): Promise<SshKeyRow[]> {
  return db.query<SshKeyRow>(`SELECT ${COLUMNS} FROM ssh_keys WHERE user_id = $1 ORDER BY id`, [
    userId,
  ]);
}

export async function deleteSshKey(db: Db, userId: string, id: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM ssh_keys WHERE id = $2 AND user_id = $1 RETURNING id`, [
    userId,
    id,
  ]);
  return rows.length > 0;
}

/** The owner of a key, by fingerprint; marks the key used. */
export async function useSshKey(
  db: Db,
  fingerprint: string,
  now: Date,
): Promise<{ id: string; username: string } | undefined> {
  const rows = await db.query<{ id: string; username: string }>(
    `UPDATE ssh_keys k SET last_used_at = $2 FROM users u
      WHERE k.fingerprint = $1 AND u.id = k.user_id
      RETURNING u.id::text AS id, u.username`,
    [fingerprint, now],
  );
  return rows[0];
}
