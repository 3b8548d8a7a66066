/** Typed queries for repository records and their collaborators. */
import type { Db } from '../client';

export type Permission = 'read' | 'write' | 'admin';

export interface RepoRow {
  id: string;
  owner_id: string;
  owner_login: string;
  name: string;
  description: string;
  private: boolean;
  default_branch: string;
  created_at: Date;
  updated_at: Date;
  /** When a push last moved a ref; null before the first push. */
  pushed_at: Date | null;
}

export interface CollaboratorRow {
  user_id: string;
  login: string;
  permission: Permission;
}

const SELECT = `SELECT r.id::text AS id, r.owner_id::text AS owner_id, u.username AS owner_login,
  r.name, r.description, r.private, r.default_branch, r.created_at, r.updated_at, r.pushed_at
  FROM repositories r JOIN users u ON u.id = r.owner_id`;

/**
 * The repository's columns (what findRepoById returns) under an `r_` prefix, from
 * `repositories r JOIN users u ON u.id = r.owner_id`: for a statement that also returns other
 * rows' columns (an event with its repository); `splitRepo` takes them apart again.
 */
export const REPO_COLUMNS_AS_R = `r.id::text AS r_id, r.owner_id::text AS r_owner_id,
  u.username AS r_owner_login, r.name AS r_name, r.description AS r_description,
  r.private AS r_private, r.default_branch AS r_default_branch, r.created_at AS r_created_at,
  r.updated_at AS r_updated_at, r.pushed_at AS r_pushed_at`;

/** A row's own columns and its repository's (`r_`…, REPO_COLUMNS_AS_R; undefined when null). */
export function splitRepo<T>(row: Record<string, unknown>): { own: T; repo: RepoRow | undefined } {
  const own: Record<string, unknown> = {};
  const repo: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (k.startsWith('r_')) repo[k.slice(2)] = v;
    else own[k] = v;
  }
  return {
    own: own as T,
    repo: repo.id === null || repo.id === undefined ? undefined : (repo as unknown as RepoRow),
  };
}

/** Inserts a repository; returns undefined when the owner already has one of that name. */
export async function insertRepo(
  db: Db,
  r: {
    ownerId: string;
    name: string;
    description: string;
    private: boolean;
    defaultBranch: string;
  },
): Promise<RepoRow | undefined> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO repositories (owner_id, name, description, private, default_branch)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING id::text AS id`,
    [r.ownerId, r.name, r.description, r.private, r.defaultBranch],
  );
  const id = inserted[0]?.id;
  return id === undefined ? undefined : findRepoById(db, id);
}

export async function findRepoById(db: Db, id: string): Promise<RepoRow | undefined> {
  const rows = await db.query<RepoRow>(`${SELECT} WHERE r.id = $1`, [id]);
  return rows[0];
}

/** Finds `owner/name` (both case-insensitive). */
export async function findRepo(db: Db, owner: string, name: string): Promise<RepoRow | undefined> {
  const rows = await db.query<RepoRow>(
    `${SELECT} WHERE lower(u.username) = lower($1) AND lower(r.name) = lower($2)`,
    [owner, name],
  );
  return rows[0];
}

/**
 * Repositories owned by `ownerId`; private ones only when `viewerId` is the owner or a
 * collaborator. Ordered by name; `limit`/`offset` page through.
 */
export async function listReposOfOwner(
  db: Db,
  ownerId: string,
  viewerId: string | null,
  page: { limit: number; offset: number },
): Promise<{ rows: RepoRow[]; total: number }> {
  const where = `r.owner_id = $1 AND (NOT r.private OR r.owner_id = $2::bigint OR EXISTS (
    SELECT 1 FROM collaborators c WHERE c.repo_id = r.id AND c.user_id = $2::bigint))`;
  const rows = await db.query<RepoRow>(
    `${SELECT} WHERE ${where} ORDER BY lower(r.name) LIMIT $3 OFFSET $4`,
    [ownerId, viewerId, page.limit, page.offset],
  );
  const [count] = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM repositories r WHERE ${where}`,
    [ownerId, viewerId],
  );
  return { rows, total: Number(count?.n ?? 0) };
}

/**
 * Repositories `viewerId` may see across all owners (public ones, plus private ones they own or
 * collaborate on), most recently updated or pushed first; `onlyVisibleTo` narrows to the viewer's own.
 */
export async function listVisibleRepos(
  db: Db,
  viewerId: string | null,
  page: { limit: number; offset: number },
  opts: { mine?: boolean } = {},
): Promise<{ rows: RepoRow[]; total: number }> {
  const mine = `(r.owner_id = $1::bigint OR EXISTS (
    SELECT 1 FROM collaborators c WHERE c.repo_id = r.id AND c.user_id = $1::bigint))`;
  const where = opts.mine ? mine : `(NOT r.private OR ${mine})`;
  const rows = await db.query<RepoRow>(
    `${SELECT} WHERE ${where} ORDER BY GREATEST(r.updated_at, r.pushed_at) DESC, r.id DESC
     LIMIT $2 OFFSET $3`,
    [viewerId, page.limit, page.offset],
  );
  const [count] = await db.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM repositories r WHERE ${where}`,
    [viewerId],
  );
  return { rows, total: Number(count?.n ?? 0) };
}

export async function updateRepo(
  db: Db,
  id: string,
  patch: { name?: string; description?: string; private?: boolean; defaultBranch?: string },
  now: Date,
): Promise<RepoRow | undefined> {
  await db.query(
    `UPDATE repositories SET
       name = COALESCE($2, name), description = COALESCE($3, description),
       private = COALESCE($4, private), default_branch = COALESCE($5, default_branch),
       updated_at = $6
     WHERE id = $1`,
    [
      id,
      patch.name ?? null,
      patch.description ?? null,
      patch.private ?? null,
      patch.defaultBranch ?? null,
      now,
    ],
  );
  return findRepoById(db, id);
}

/** The names of every repository `ownerId` owns, private ones included. */
export async function listRepoNamesOfOwner(db: Db, ownerId: string): Promise<string[]> {
  const rows = await db.query<{ name: string }>(
    `SELECT name FROM repositories WHERE owner_id = $1`,
    [ownerId],
  );
  return rows.map((r) => r.name);
}

/**
 * Records a push: pushed_at becomes `now` (updated_at stays the record's: pages pinned to a
 * commit are cached against it), and when the push decided HEAD (the
 * first push into an empty repository may pick another branch than the recorded default),
 * `headBranch` becomes the default branch so the record matches what clones check out.
 */
export async function markRepoPushed(
  db: Db,
  id: string,
  now: Date,
  headBranch: string | undefined,
): Promise<void> {
  await db.query(
    `UPDATE repositories SET pushed_at = $2,
       default_branch = COALESCE($3, default_branch) WHERE id = $1`,
    [id, now, headBranch ?? null],
  );
}

export async function deleteRepo(db: Db, id: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM repositories WHERE id = $1 RETURNING id`, [id]);
  return rows.length > 0;
}

/** The permission a collaborator holds on a repository, if any. */
export async function findCollaboratorPermission(
  db: Db,
  repoId: string,
  userId: string,
): Promise<Permission | undefined> {
  const rows = await db.query<{ permission: Permission }>(
    `SELECT permission FROM collaborators WHERE repo_id = $1 AND user_id = $2`,
    [repoId, userId],
  );
  return rows[0]?.permission;
}

/** Of `userIds`, those who collaborate on the repository (any permission). */
export async function collaboratorsAmong(
  db: Db,
  repoId: string,
  userIds: string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db.query<{ user_id: string }>(
    `SELECT user_id::text AS user_id FROM collaborators
      WHERE repo_id = $1 AND user_id = ANY($2::bigint[])`,
    [repoId, userIds],
  );
  return rows.map((r) => r.user_id);
}

export async function upsertCollaborator(
  db: Db,
  repoId: string,
  userId: string,
  permission: Permission,
): Promise<void> {
  await db.query(
    `INSERT INTO collaborators (repo_id, user_id, permission) VALUES ($1, $2, $3)
     ON CONFLICT (repo_id, user_id) DO UPDATE SET permission = EXCLUDED.permission`,
    [repoId, userId, permission],
  );
}

export async function deleteCollaborator(db: Db, repoId: string, userId: string): Promise<boolean> {
  const rows = await db.query(
    `DELETE FROM collaborators WHERE repo_id = $1 AND user_id = $2 RETURNING repo_id`,
    [repoId, userId],
  );
  return rows.length > 0;
}

export async function listCollaborators(db: Db, repoId: string): Promise<CollaboratorRow[]> {
  return db.query<CollaboratorRow>(
    `SELECT c.user_id::text AS user_id, u.username AS login, c.permission
       FROM collaborators c JOIN users u ON u.id = c.user_id
      WHERE c.repo_id = $1 ORDER BY lower(u.username)`,
    [repoId],
  );
}
