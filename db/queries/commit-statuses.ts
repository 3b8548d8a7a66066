/**
 * Commit statuses (GitHub's model): every post is a row, the newest row per context is that
 * context's current state.
 */
import type { Db } from '../client';

export type StatusState = 'pending' | 'success' | 'failure' | 'error';
export const STATUS_STATES: readonly StatusState[] = ['pending', 'success', 'failure', 'error'];

export interface StatusRow {
  id: string;
  repo_id: string;
  sha: string;
  state: StatusState;
  context: string;
  description: string | null;
  target_url: string | null;
  creator_id: string | null;
  creator_login: string | null;
  created_at: Date;
}

export interface NewStatus {
  repoId: string;
  sha: string;
  state: StatusState;
  context: string;
  description: string | null;
  targetUrl: string | null;
  creatorId: string | null;
}

const COLUMNS = `s.id::text AS id, s.repo_id::text AS repo_id, s.sha, s.state, s.context,
  s.description, s.target_url, s.creator_id::text AS creator_id, u.username AS creator_login,
  s.created_at`;

const INSERT = `INSERT INTO commit_statuses (repo_id, sha, state, context, description, target_url,
  creator_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`;
const valuesOf = (s: NewStatus) => [
  s.repoId,
  s.sha,
  s.state,
  s.context,
  s.description,
  s.targetUrl,
  s.creatorId,
];

export async function insertStatus(db: Db, s: NewStatus): Promise<StatusRow> {
  const [row] = await db.query<{ id: string }>(`${INSERT} RETURNING id::text AS id`, valuesOf(s));
  const [full] = await db.query<StatusRow>(
    `SELECT ${COLUMNS} FROM commit_statuses s LEFT JOIN users u ON u.id = s.creator_id
     WHERE s.id = $1`,
    [row?.id],
  );
  if (!full) throw new Error('insert into commit_statuses returned nothing');
  return full;
}

/** Inserts a status without reading it back (one statement: Plue's own run statuses). */
export async function addStatus(db: Db, s: NewStatus): Promise<void> {
  await db.query(INSERT, valuesOf(s));
}

/** Every status of a commit, newest first. */
export async function listStatuses(
  db: Db,
  repoId: string,
  sha: string,
  page: { limit: number; offset: number },
): Promise<StatusRow[]> {
  return db.query<StatusRow>(
    `SELECT ${COLUMNS} FROM commit_statuses s LEFT JOIN users u ON u.id = s.creator_id
     WHERE s.repo_id = $1 AND s.sha = $2 ORDER BY s.id DESC LIMIT $3 OFFSET $4`,
    [repoId, sha, page.limit, page.offset],
  );
}

/** The newest status per context of a commit. */
export async function latestStatuses(db: Db, repoId: string, sha: string): Promise<StatusRow[]> {
  return db.query<StatusRow>(
    `SELECT * FROM (SELECT DISTINCT ON (s.context) ${COLUMNS}
       FROM commit_statuses s LEFT JOIN users u ON u.id = s.creator_id
       WHERE s.repo_id = $1 AND s.sha = $2 ORDER BY s.context, s.id DESC) latest
     ORDER BY id DESC`,
    [repoId, sha],
  );
}

/** The newest status per context of each of `shas` (one query for a list of commits). */
export async function latestStatusesOf(
  db: Db,
  repoId: string,
  shas: string[],
): Promise<StatusRow[]> {
  if (shas.length === 0) return [];
  return db.query<StatusRow>(
    `SELECT * FROM (SELECT DISTINCT ON (s.sha, s.context) ${COLUMNS}
       FROM commit_statuses s LEFT JOIN users u ON u.id = s.creator_id
       WHERE s.repo_id = $1 AND s.sha = ANY($2::text[]) ORDER BY s.sha, s.context, s.id DESC) latest
     ORDER BY id DESC`,
    [repoId, shas],
  );
}
