/** Repository secrets: names and ciphertext only (the Worker encrypts and decrypts). */
import type { Db } from '../client';

export interface SecretRow {
  name: string;
  value_enc: string;
  created_at: Date;
  updated_at: Date;
}

/** Creates or replaces a secret; true when it was created. */
export async function upsertSecret(
  db: Db,
  repoId: string,
  name: string,
  valueEnc: string,
  now: Date,
): Promise<boolean> {
  const [row] = await db.query<{ created: boolean }>(
    `INSERT INTO repo_secrets (repo_id, name, value_enc, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (repo_id, name) DO UPDATE SET value_enc = $3, updated_at = $4
     RETURNING (xmax = 0) AS created`,
    [repoId, name, valueEnc, now],
  );
  return row?.created ?? false;
}

export async function deleteSecret(db: Db, repoId: string, name: string): Promise<boolean> {
  const rows = await db.query(
    `DELETE FROM repo_secrets WHERE repo_id = $1 AND name = $2 RETURNING name`,
    [repoId, name],
  );
  return rows.length > 0;
}

export async function listSecrets(db: Db, repoId: string): Promise<SecretRow[]> {
  return db.query<SecretRow>(
    `SELECT name, value_enc, created_at, updated_at FROM repo_secrets WHERE repo_id = $1
     ORDER BY name`,
    [repoId],
  );
}
