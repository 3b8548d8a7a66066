/**
 * Typed queries for renames and transfers and the names they leave behind (migration 0007): an
 * old `owner/name` resolves to the repository it named, an old username to its user, until a new
 * repository or user takes the name.
 */
import type { Db } from '../client';
import { findRepoById, type RepoRow } from './repositories';

/**
 * The repository `owner/name` used to name, through an old username, an old repository name, or
 * both; undefined when neither leads anywhere. Names that are current are not looked at here.
 */
export async function findRedirectedRepo(
  db: Db,
  owner: string,
  name: string,
): Promise<RepoRow | undefined> {
  const rows = await db.query<{ id: string }>(
    `WITH o AS (
       SELECT id FROM users WHERE lower(username) = lower($1)
       UNION ALL SELECT user_id FROM user_redirects WHERE lower(name) = lower($1)
     )
     SELECT id::text AS id FROM (
       SELECT r.id, 0 AS rank FROM repositories r
        WHERE r.owner_id IN (SELECT id FROM o) AND lower(r.name) = lower($2)
       UNION ALL
       SELECT rr.repo_id, 1 FROM repository_redirects rr
        WHERE rr.owner_id IN (SELECT id FROM o) AND lower(rr.name) = lower($2)
     ) hit ORDER BY rank LIMIT 1`,
    [owner, name],
  );
  const id = rows[0]?.id;
  return id === undefined ? undefined : findRepoById(db, id);
}

/** The user an old username leads to, if any. */
export async function findRedirectedUser(db: Db, name: string): Promise<string | undefined> {
  const rows = await db.query<{ user_id: string }>(
    `SELECT user_id::text AS user_id FROM user_redirects WHERE lower(name) = lower($1)`,
    [name],
  );
  return rows[0]?.user_id;
}

/** Records that `ownerId`'s repository `name` is now repository `repoId` (replacing any). */
export async function addRepoRedirect(
  db: Db,
  ownerId: string,
  name: string,
  repoId: string,
): Promise<void> {
  await db.query(
    `INSERT INTO repository_redirects (owner_id, name, repo_id) VALUES ($1, $2, $3)
     ON CONFLICT (owner_id, lower(name)) DO UPDATE SET repo_id = EXCLUDED.repo_id,
       name = EXCLUDED.name, created_at = now()`,
    [ownerId, name, repoId],
  );
}

/** A repository now holds `ownerId/name`: an older redirect of that name ends. */
export async function endRepoRedirect(db: Db, ownerId: string, name: string): Promise<void> {
  await db.query(
    `DELETE FROM repository_redirects WHERE owner_id = $1 AND lower(name) = lower($2)`,
    [ownerId, name],
  );
}

/** Records that username `name` now leads to `userId`, ending any redirect of the new name. */
export async function addUserRedirect(
  db: Db,
  name: string,
  userId: string,
  newName: string,
): Promise<void> {
  await db.query(`DELETE FROM user_redirects WHERE lower(name) = lower($1)`, [newName]);
  await db.query(
    `INSERT INTO user_redirects (name, user_id) VALUES ($1, $2)
     ON CONFLICT (lower(name)) DO UPDATE SET user_id = EXCLUDED.user_id, name = EXCLUDED.name,
       created_at = now()`,
    [name, userId],
  );
}

/** A new user holds `name`: an older redirect of that name ends. */
export async function endUserRedirect(db: Db, name: string): Promise<void> {
  await db.query(`DELETE FROM user_redirects WHERE lower(name) = lower($1)`, [name]);
}

/**
 * Moves a repository to `ownerId/name` (a rename, a transfer or both) in one transaction: the old
 * name becomes a redirect, a redirect of the new name ends, and a new owner who was a
 * collaborator stops being one. Undefined when `ownerId` already has a repository of that name.
 */
export async function moveRepo(
  db: Db,
  repo: RepoRow,
  to: { ownerId: string; name: string },
  now: Date,
): Promise<RepoRow | undefined> {
  const moved = await db.transaction(async (tx) => {
    const taken = await tx.query(
      `SELECT 1 FROM repositories WHERE owner_id = $1 AND lower(name) = lower($2) AND id <> $3`,
      [to.ownerId, to.name, repo.id],
    );
    if (taken.length > 0) return false;
    await tx.query(
      `UPDATE repositories SET owner_id = $2, name = $3, updated_at = $4 WHERE id = $1`,
      [repo.id, to.ownerId, to.name, now],
    );
    await endRepoRedirect(tx, to.ownerId, to.name);
    const sameName =
      repo.owner_id === to.ownerId && repo.name.toLowerCase() === to.name.toLowerCase();
    if (!sameName) await addRepoRedirect(tx, repo.owner_id, repo.name, repo.id);
    if (repo.owner_id !== to.ownerId) {
      await tx.query(`DELETE FROM collaborators WHERE repo_id = $1 AND user_id = $2`, [
        repo.id,
        to.ownerId,
      ]);
    }
    return true;
  });
  return moved ? findRepoById(db, repo.id) : undefined;
}

/**
 * Renames user `userId` from `oldName` to `newName` in one transaction, leaving a redirect from
 * the old name; false when another user holds the new name (in any case).
 */
export async function renameUserWithRedirect(
  db: Db,
  userId: string,
  oldName: string,
  newName: string,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const rows = await tx.query(
      `UPDATE users SET username = $2, username_chosen = true, updated_at = now()
        WHERE id = $1 AND NOT EXISTS (
          SELECT 1 FROM users o WHERE lower(o.username) = lower($2) AND o.id <> $1)
        RETURNING id`,
      [userId, newName],
    );
    if (rows.length === 0) return false;
    if (oldName.toLowerCase() === newName.toLowerCase()) {
      await endUserRedirect(tx, newName);
    } else {
      await addUserRedirect(tx, oldName, userId, newName);
    }
    return true;
  });
}
