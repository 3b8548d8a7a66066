/**
 * Typed queries for issue records: numbering (one atomic counter per repository, shared with
 * landing requests), insert, read, update, delete, pins and mentions. Search lives in
 * issues-search.ts, labels/milestones/assignees in issue-meta.ts, comments in issue-comments.ts.
 */
import type { Db } from '../client';

export type IssueState = 'open' | 'closed';
export type StateReason = 'completed' | 'not_planned' | 'reopened';
export type LockReason = 'off-topic' | 'too heated' | 'resolved' | 'spam';

export interface IssueRow {
  id: string;
  repo_id: string;
  number: number;
  author_id: string | null;
  author_login: string | null;
  title: string;
  body: string;
  state: IssueState;
  state_reason: StateReason | null;
  locked: boolean;
  lock_reason: LockReason | null;
  pinned_at: Date | null;
  milestone_id: string | null;
  comments_count: number;
  closed_by_login: string | null;
  created_at: Date;
  updated_at: Date;
  closed_at: Date | null;
}

export const ISSUE_COLUMNS = `i.id::text AS id, i.repo_id::text AS repo_id, i.number::int AS number,
  i.author_id::text AS author_id, au.username AS author_login, i.title, i.body, i.state,
  i.state_reason, i.locked, i.lock_reason, i.pinned_at, i.milestone_id::text AS milestone_id,
  i.comments_count, cb.username AS closed_by_login, i.created_at, i.updated_at, i.closed_at`;

export const ISSUE_FROM = `issues i LEFT JOIN users au ON au.id = i.author_id
  LEFT JOIN users cb ON cb.id = i.closed_by_id`;

/** Takes the repository's next issue/landing number (row-locked, so concurrent takers differ). */
export async function takeNumber(db: Db, repoId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `UPDATE repositories SET next_number = next_number + 1 WHERE id = $1
     RETURNING (next_number - 1)::int AS n`,
    [repoId],
  );
  const n = rows[0]?.n;
  if (n === undefined) throw new Error(`repository ${repoId} does not exist`);
  return n;
}

/** Inserts an issue under a freshly taken number (call inside a transaction). */
export async function insertIssue(
  db: Db,
  i: { repoId: string; authorId: string; title: string; body: string; now: Date },
): Promise<IssueRow> {
  const number = await takeNumber(db, i.repoId);
  const rows = await db.query<{ id: string }>(
    `INSERT INTO issues (repo_id, number, author_id, title, body, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id::text AS id`,
    [i.repoId, number, i.authorId, i.title, i.body, i.now],
  );
  const found = await findIssueById(db, rows[0]?.id ?? '0');
  if (!found) throw new Error('inserted issue vanished');
  return found;
}

export async function findIssueById(db: Db, id: string): Promise<IssueRow | undefined> {
  const rows = await db.query<IssueRow>(
    `SELECT ${ISSUE_COLUMNS} FROM ${ISSUE_FROM} WHERE i.id = $1`,
    [id],
  );
  return rows[0];
}

export async function findIssue(
  db: Db,
  repoId: string,
  number: number,
): Promise<IssueRow | undefined> {
  const rows = await db.query<IssueRow>(
    `SELECT ${ISSUE_COLUMNS} FROM ${ISSUE_FROM} WHERE i.repo_id = $1 AND i.number = $2`,
    [repoId, number],
  );
  return rows[0];
}

/** Which of `numbers` exist in the repository (for linking `#n` references). */
export async function existingNumbers(
  db: Db,
  repoId: string,
  numbers: number[],
): Promise<Map<number, { title: string; state: IssueState }>> {
  if (numbers.length === 0) return new Map();
  const rows = await db.query<{ number: number; title: string; state: IssueState }>(
    `SELECT number::int AS number, title, state FROM issues
      WHERE repo_id = $1 AND number = ANY($2::bigint[])`,
    [repoId, numbers],
  );
  return new Map(rows.map((r) => [r.number, { title: r.title, state: r.state }]));
}

export interface IssuePatch {
  title?: string;
  body?: string;
  state?: IssueState;
  stateReason?: StateReason | null;
  closedById?: string | null;
  locked?: boolean;
  lockReason?: LockReason | null;
  pinned?: boolean;
  milestoneId?: string | null;
}

/** Applies `patch`; fields left undefined are kept. Closing sets closed_at, reopening clears it. */
export async function updateIssue(
  db: Db,
  id: string,
  patch: IssuePatch,
  now: Date,
): Promise<IssueRow | undefined> {
  const has = (k: keyof IssuePatch) => patch[k] !== undefined;
  await db.query(
    `UPDATE issues SET
       title = COALESCE($2, title),
       body = COALESCE($3, body),
       state = COALESCE($4, state),
       state_reason = CASE WHEN $5 THEN $6 ELSE state_reason END,
       closed_by_id = CASE WHEN $5 THEN $7::bigint ELSE closed_by_id END,
       closed_at = CASE WHEN $4 = 'closed' AND state = 'open' THEN $14
                        WHEN $4 = 'open' THEN NULL ELSE closed_at END,
       locked = COALESCE($8, locked),
       lock_reason = CASE WHEN $9 THEN $10 ELSE lock_reason END,
       pinned_at = CASE WHEN $11::boolean IS NULL THEN pinned_at
                        WHEN $11 THEN COALESCE(pinned_at, $14) ELSE NULL END,
       milestone_id = CASE WHEN $12 THEN $13::bigint ELSE milestone_id END,
       updated_at = $14
     WHERE id = $1`,
    [
      id,
      patch.title ?? null,
      patch.body ?? null,
      patch.state ?? null,
      has('state'),
      patch.stateReason ?? null,
      patch.closedById ?? null,
      patch.locked ?? null,
      has('locked'),
      patch.lockReason ?? null,
      patch.pinned ?? null,
      has('milestoneId'),
      patch.milestoneId ?? null,
      now,
    ],
  );
  return findIssueById(db, id);
}

/** Marks the issue updated (a comment, label or assignee change). */
export async function touchIssue(db: Db, id: string, now: Date): Promise<void> {
  await db.query(`UPDATE issues SET updated_at = $2 WHERE id = $1`, [id, now]);
}

export async function deleteIssue(db: Db, id: string): Promise<boolean> {
  const rows = await db.query(`DELETE FROM issues WHERE id = $1 RETURNING id`, [id]);
  return rows.length > 0;
}

export async function countPinned(db: Db, repoId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM issues WHERE repo_id = $1 AND pinned_at IS NOT NULL`,
    [repoId],
  );
  return rows[0]?.n ?? 0;
}

export async function listPinned(db: Db, repoId: string): Promise<IssueRow[]> {
  return db.query<IssueRow>(
    `SELECT ${ISSUE_COLUMNS} FROM ${ISSUE_FROM}
      WHERE i.repo_id = $1 AND i.pinned_at IS NOT NULL ORDER BY i.pinned_at`,
    [repoId],
  );
}

/** Records that the users with these (case-insensitive) logins are mentioned in the issue. */
export async function addMentions(db: Db, issueId: string, logins: string[]): Promise<string[]> {
  if (logins.length === 0) return [];
  const rows = await db.query<{ user_id: string }>(
    `INSERT INTO issue_mentions (issue_id, user_id)
       SELECT $1, u.id FROM users u WHERE lower(u.username) = ANY($2::text[])
     ON CONFLICT DO NOTHING RETURNING user_id::text AS user_id`,
    [issueId, logins.map((l) => l.toLowerCase())],
  );
  return rows.map((r) => r.user_id);
}

/** The spelling of each login that names a user (case-insensitive), keyed by lower case. */
export async function existingLogins(db: Db, logins: string[]): Promise<Map<string, string>> {
  if (logins.length === 0) return new Map();
  const rows = await db.query<{ username: string }>(
    `SELECT username FROM users WHERE lower(username) = ANY($1::text[])`,
    [logins.map((l) => l.toLowerCase())],
  );
  return new Map(rows.map((r) => [r.username.toLowerCase(), r.username]));
}
